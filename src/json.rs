//! A small writer of JSON objects, for the event JSON and the messages sent to pages. Strings are
//! escaped by serde_json; payloads, already checked to be JSON, are copied as they are.

/// Writes one JSON object field by field: `{"k":v,…}`.
pub(crate) struct JsonObject(String);

impl JsonObject {
    pub(crate) fn with_capacity(capacity: usize) -> JsonObject {
        let mut text = String::with_capacity(capacity);
        text.push('{');
        JsonObject(text)
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push('"');
        self.0.push_str(key);
        self.0.push_str("\":");
    }

    pub(crate) fn id(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        self.0.push_str(&value.to_string());
        self
    }

    pub(crate) fn number(mut self, key: &str, value: f64) -> Self {
        self.key(key);
        // JSON has no NaN or infinity.
        let text = if value.is_finite() { serde_json::to_string(&value).unwrap_or_default() } else { "null".into() };
        self.0.push_str(&text);
        self
    }

    pub(crate) fn boolean(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.0.push_str(if value { "true" } else { "false" });
        self
    }

    pub(crate) fn string(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_json_string(&mut self.0, value);
        self
    }

    /// Copies `json` (checked to be one JSON value) as the field's value.
    pub(crate) fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.0.push_str(json);
        self
    }

    pub(crate) fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Appends `value` as a JSON string literal.
pub(crate) fn push_json_string(out: &mut String, value: &str) {
    // Writing a &str with serde_json cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into()));
}
