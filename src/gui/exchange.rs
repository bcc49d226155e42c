//! What travels between the program and its pages, on the GUI thread: calls both ways with their
//! timeouts and cancellation, channels with their credit windows, the shared state, and bytes.
//! The wire format is in `crate::page` and docs/protocol.md ("Page wire format").

use std::cmp::Reverse;
use std::time::{Duration, Instant};

use super::event_loop::{Gui, GuiChannel, HostCall, Outgoing};
use super::Payload;
use crate::app::{next_id, ChannelCredit, PageCall};
use crate::error::ErrorCode;
use crate::event::{Credit, EventBuilder, EventKind};
use crate::options::check_name;
use crate::page::{self, PageMessage, Rejected};

/// Why a call or channel to a page whose origin is not allowed ends at once.
const ORIGIN_NOT_ALLOWED: &str = "the page's origin is not allowed to use the bridge (allowed_origins)";

/// Where a page message came from.
struct PageSource<'a> {
    app: u64,
    window: u64,
    webview: u64,
    page: u64,
    origin: &'a str,
    max: usize,
}

impl Gui {
    // ---- calls the program makes -------------------------------------------------------------

    pub(super) fn invoke(&mut self, app: u64, webview: u64, call: u64, name: &str, args: &str, timeout: Option<Duration>) {
        self.calls.insert(call, HostCall { app, webview, timeout });
        match self.webviews.get(&webview) {
            // Closed after the call was accepted: answer at once.
            None => return self.invoke_failed(call, ErrorCode::NotFound, "the webview was closed"),
            Some(w) if !w.bridge => {
                return self.invoke_failed(call, ErrorCode::Unsupported, "the webview has no bridge (bridge: false)")
            }
            Some(w) if !w.origin_ok => {
                return self.invoke_failed(call, ErrorCode::Unsupported, ORIGIN_NOT_ALLOWED)
            }
            Some(_) => {}
        }
        if let Some(t) = timeout {
            let deadline = Instant::now() + t;
            self.deadlines.push(Reverse((deadline, call)));
            self.timer.wake_at(deadline);
        }
        self.queue(webview, Outgoing::ThisPage(page::invoke_message(call, name, args)));
    }

    /// Ends a call the program made with a failure transom detected (`code` says which).
    pub(super) fn invoke_failed(&mut self, call: u64, code: ErrorCode, message: &str) {
        if let Some(c) = self.calls.remove(&call) {
            self.forget_host_call(c.app, call);
            let window = self.webviews.get(&c.webview).map_or(0, |w| w.window);
            let event = EventBuilder::new(EventKind::InvokeResult, window, c.webview)
                .id("call", call)
                .boolean("ok", false)
                .string("error", message)
                .string("code", code.name())
                .build();
            self.emit(c.app, event);
        }
    }

    fn forget_host_call(&self, app: u64, call: u64) {
        if let Some(a) = self.apps.get(&app) {
            a.shared.host_calls.lock().remove(&call);
        }
    }

    pub(super) fn cancel_invoke(&mut self, call: u64) {
        let Some(webview) = self.calls.get(&call).map(|c| c.webview) else { return };
        self.queue(webview, Outgoing::ThisPage(page::message("cancel", 0).id("id", call).finish()));
        self.invoke_failed(call, ErrorCode::Cancelled, "cancelled by the program");
    }

    /// Answers calls whose time ran out.
    pub(super) fn expire_calls(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((deadline, call))) = self.deadlines.peek().copied() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            if let Some(timeout) = self.calls.get(&call).and_then(|c| c.timeout) {
                let message = format!("the page did not answer within {} ms", timeout.as_millis());
                self.invoke_failed(call, ErrorCode::Timeout, &message);
            }
        }
    }

    /// The page of `webview` went away (navigation, close): its pending calls end both ways, its
    /// channels close, and calls, answers and channel traffic queued for it are dropped, so that
    /// none reaches the page that replaces it. Posts and scripts stay queued for the next page.
    pub(super) fn page_gone(&mut self, webview: u64, reason: &str) {
        let mut ended: Vec<u64> = self.calls.iter().filter(|(_, c)| c.webview == webview).map(|(id, _)| *id).collect();
        ended.sort_unstable();
        for call in ended {
            self.invoke_failed(call, ErrorCode::NotFound, reason);
        }
        let mut closed: Vec<u64> = self.channels.iter().filter(|(_, c)| c.webview == webview).map(|(id, _)| *id).collect();
        closed.sort_unstable();
        for channel in closed {
            self.channel_closed(channel, reason);
        }
        if let Some(w) = self.webviews.get_mut(&webview) {
            w.ready = false;
            w.page += 1;
            w.outbox.retain(|o| !o.is_for_this_page());
            *w.blobs.lock() = Default::default();
            if let Some(app) = self.apps.get(&w.app) {
                app.shared.forget_page_calls(webview);
            }
        }
    }

    // ---- messages from pages -----------------------------------------------------------------

    pub(super) fn page_ipc(&mut self, webview: u64, origin: &str, body: &str) {
        let Some(w) = self.webviews.get(&webview) else { return };
        let from = PageSource {
            app: w.app,
            window: w.window,
            webview,
            page: w.page,
            origin,
            max: self.apps.get(&w.app).map_or(usize::MAX, |a| a.shared.options.max_message_bytes),
        };
        if !crate::security::origin_allowed(&crate::security::origin_of(origin), &w.origins) {
            return self.security(&from, "origin-not-allowed");
        }
        match page::decode(&w.secret, body) {
            Ok(messages) => {
                for message in messages {
                    if let Err(reason) = self.page_message(&from, message) {
                        let reason = format!("malformed-message: {reason}");
                        self.security(&from, &reason);
                        let notice = page::message("error", reason.len()).string("kind", "dropped").string("m", &reason);
                        self.queue(webview, Outgoing::ThisPage(notice.finish()));
                    }
                }
            }
            Err(Rejected::Unsigned) => self.security(&from, "unsigned-message"),
            Err(Rejected::Malformed(detail)) => self.security(&from, &format!("malformed-message: {detail}")),
        }
    }

    /// Reports a page message that was dropped to protect the program.
    fn security(&mut self, from: &PageSource<'_>, reason: &str) {
        let event = EventBuilder::new(EventKind::Security, from.window, from.webview)
            .string("reason", reason)
            .string("origin", &crate::security::origin_of(from.origin))
            .string("url", from.origin)
            .build();
        self.emit(from.app, event);
    }

    /// The payload of a `send` or `chmsg`: JSON (`d`) or an upload (`b`), within the size limit.
    fn page_payload(&self, from: &PageSource<'_>, m: &PageMessage<'_>) -> Result<Payload, String> {
        let payload = match (m.d, m.b) {
            (Some(json), _) => Payload::Json(json.get().to_owned()),
            (None, Some(upload)) => {
                let w = self.webviews.get(&from.webview).ok_or("the webview is gone")?;
                let bytes = w.blobs.lock().uploads.remove(&upload).ok_or(format!("no upload with id {upload}"))?;
                Payload::Bytes(bytes)
            }
            (None, None) => return Err(format!("`{}` needs `d` or `b`", m.t)),
        };
        if payload.len() > from.max {
            return Err(format!("a {} payload is larger than max_message_bytes ({})", m.t, from.max));
        }
        Ok(payload)
    }

    /// Handles one signed message from a page; an `Err` names what was wrong with it.
    fn page_message(&mut self, from: &PageSource<'_>, m: PageMessage<'_>) -> Result<(), String> {
        let (app, window, webview) = (from.app, from.window, from.webview);
        match m.t {
            "ready" => self.mark_ready(webview),
            "send" => {
                let channel = m.c.as_deref().ok_or("`send` needs `c`")?;
                check_name("channel", channel).map_err(|e| e.message)?;
                let payload = self.page_payload(from, &m)?;
                let event = with_payload(EventBuilder::new(EventKind::Message, window, webview).string("channel", channel), payload);
                self.emit(app, event.build());
            }
            "invoke" => {
                let (Some(page_call), Some(name), Some(args)) = (m.id, m.n.as_deref(), m.a) else {
                    return Err("`invoke` needs `id`, `n` and `a`".into());
                };
                let refusal = check_name("handler name", name)
                    .err()
                    .map(|e| e.message)
                    .or_else(|| (args.get().len() > from.max).then(|| format!("arguments of {name} are larger than max_message_bytes ({})", from.max)))
                    .or_else(|| (!args.get().starts_with('[')).then(|| "arguments must be a JSON array".to_owned()));
                let registered = self.apps.get(&app).is_some_and(|a| a.shared.handlers.read().contains(name));
                let refusal = refusal.or_else(|| (!registered).then(|| format!("no handler named {name}")));
                if let Some(message) = refusal {
                    self.queue(webview, Outgoing::ThisPage(page::result_message(page_call, &Err(message))));
                    return Ok(());
                }
                let call = next_id();
                if let Some(a) = self.apps.get(&app) {
                    a.shared.page_calls.lock().insert(call, PageCall { webview, page: from.page, page_call });
                }
                let event = EventBuilder::new(EventKind::Invoke, window, webview)
                    .id("call", call)
                    .string("name", name)
                    .raw("args", args.get())
                    .build();
                self.emit(app, event);
            }
            "cancel" => {
                let page_call = m.id.ok_or("`cancel` needs `id`")?;
                let Some(a) = self.apps.get(&app) else { return Ok(()) };
                let call = {
                    let mut calls = a.shared.page_calls.lock();
                    let found = calls
                        .iter()
                        .find(|(_, c)| c.webview == webview && c.page == from.page && c.page_call == page_call)
                        .map(|(id, _)| *id);
                    found.inspect(|id| {
                        calls.remove(id);
                    })
                };
                if let Some(call) = call {
                    let event = EventBuilder::new(EventKind::InvokeCancelled, window, webview)
                        .id("call", call)
                        .string("reason", "the page's timeout ran out")
                        .build();
                    self.emit(app, event);
                }
            }
            "result" => {
                let (Some(call), Some(ok)) = (m.id, m.ok) else { return Err("`result` needs `id` and `ok`".into()) };
                // Only the webview the call went to may answer it, once.
                if self.calls.get(&call).map(|c| c.webview) != Some(webview) {
                    return Ok(());
                }
                let value = m.v.map_or("null", |v| v.get());
                if ok && value.len() > from.max {
                    let message = format!("the page's answer is larger than max_message_bytes ({})", from.max);
                    self.invoke_failed(call, ErrorCode::TooLarge, &message);
                    return Ok(());
                }
                let Some(c) = self.calls.remove(&call) else { return Ok(()) };
                self.forget_host_call(c.app, call);
                let builder = EventBuilder::new(EventKind::InvokeResult, window, webview).id("call", call).boolean("ok", ok);
                let event = if ok {
                    builder.raw("value", value).build()
                } else {
                    builder.string("error", m.e.as_deref().unwrap_or("rejected")).build()
                };
                self.emit(c.app, event);
            }
            "open" => {
                let (Some(tag), Some(name)) = (m.tag, m.n.as_deref()) else { return Err("`open` needs `tag` and `n`".into()) };
                check_name("channel name", name).map_err(|e| e.message)?;
                let channel = next_id();
                if let Some(a) = self.apps.get(&app) {
                    a.shared.channels.lock().insert(channel, ChannelCredit { webview, in_flight: 0, blocked: false });
                }
                self.channels.insert(channel, GuiChannel { app, webview });
                let opened = page::message("opened", 0).id("tag", tag).id("ch", channel).finish();
                self.queue(webview, Outgoing::ThisPage(opened));
                let event = EventBuilder::new(EventKind::ChannelOpen, window, webview).id("channel", channel).string("name", name);
                self.emit(app, event.build());
            }
            "chmsg" => {
                let (Some(channel), Some(charge)) = (m.ch, m.z) else { return Err("`chmsg` needs `ch` and `z`".into()) };
                if self.channels.get(&channel).map(|c| c.webview) != Some(webview) {
                    return Ok(()); // Closed by the program meanwhile.
                }
                // A message that cannot be taken still gives its credit back, or the page's
                // window would shrink for good.
                let payload = self.page_payload(from, &m).inspect_err(|_| self.channel_taken(Credit { channel, charge }))?;
                let event = EventBuilder::new(EventKind::ChannelMessage, window, webview).id("channel", channel);
                self.emit(app, with_payload(event, payload).credit(Credit { channel, charge }).build());
            }
            "ack" => {
                let (Some(channel), Some(charge)) = (m.ch, m.z) else { return Err("`ack` needs `ch` and `z`".into()) };
                if self.channels.get(&channel).map(|c| c.webview) != Some(webview) {
                    return Ok(());
                }
                let ready = self.apps.get(&app).is_some_and(|a| {
                    a.shared.channels.lock().get_mut(&channel).is_some_and(|credit| credit.release(charge))
                });
                if ready {
                    let event = EventBuilder::new(EventKind::ChannelReady, window, webview).id("channel", channel);
                    self.emit(app, event.build());
                }
            }
            "chclose" => {
                let channel = m.ch.ok_or("`chclose` needs `ch`")?;
                if self.channels.get(&channel).map(|c| c.webview) == Some(webview) {
                    self.channel_closed(channel, m.r.as_deref().unwrap_or("closed by the page"));
                }
            }
            "state" => {
                let (Some(key), Some(value)) = (m.k.as_deref(), m.v) else { return Err("`state` needs `k` and `v`".into()) };
                check_name("state key", key).map_err(|e| e.message)?;
                if value.get().len() > from.max {
                    return Err(format!("a state value is larger than max_message_bytes ({})", from.max));
                }
                let Some(a) = self.apps.get(&app) else { return Ok(()) };
                let version = a.shared.state.lock().write(key, value.get().to_owned());
                self.state_changed(app, key, value.get(), version, Some((window, webview)));
            }
            other => return Err(format!("unknown message type {other:?}")),
        }
        Ok(())
    }

    // ---- shared state ------------------------------------------------------------------------

    /// A state write was given `version`: every webview of the app hears of it, the program gets
    /// `state-changed`, and pages loaded from now on start from the new state.
    pub(super) fn state_changed(&mut self, app: u64, key: &str, value: &str, version: u64, writer: Option<(u64, u64)>) {
        let update = page::message("state", key.len() + value.len()).string("k", key).raw("v", value).id("n", version).finish();
        for id in self.webviews_of(app) {
            self.queue(id, Outgoing::Post(update.clone()));
        }
        self.stale_scripts.insert(app);
        let (window, webview) = writer.unwrap_or((0, 0));
        let event = EventBuilder::new(EventKind::StateChanged, window, webview)
            .string("key", key)
            .raw("value", value)
            .id("version", version)
            .string("source", if writer.is_some() { "page" } else { "host" });
        self.emit(app, event.build());
    }

    /// Sends the whole shared state to a page that has just become ready.
    ///
    /// ## Platform-specific
    /// - **Linux:** not needed: pages start from the current state (their start-up script has it).
    /// - **Other platforms:** the start-up script is the one given at creation, so a later page
    ///   learns the current state here, after its own scripts ran.
    #[cfg(not(target_os = "linux"))]
    pub(super) fn send_whole_state(&mut self, webview: u64) {
        let Some(app) = self.webviews.get(&webview).and_then(|w| self.apps.get(&w.app)) else { return };
        let updates: Vec<String> = app
            .shared
            .state
            .lock()
            .values
            .iter()
            .map(|(key, (version, value))| page::message("state", value.len()).string("k", key).raw("v", value).id("n", *version).finish())
            .collect();
        for update in updates {
            self.queue(webview, Outgoing::Post(update));
        }
    }

    // ---- channels ----------------------------------------------------------------------------

    pub(super) fn host_opens_channel(&mut self, app: u64, webview: u64, channel: u64, name: &str) {
        let refusal = match self.webviews.get(&webview) {
            None => Some("the webview was closed"),
            Some(w) if !w.origin_ok => Some(ORIGIN_NOT_ALLOWED),
            Some(_) => None,
        };
        self.channels.insert(channel, GuiChannel { app, webview });
        if let Some(reason) = refusal {
            return self.channel_closed(channel, reason);
        }
        self.queue(webview, Outgoing::ThisPage(page::message("open", name.len()).id("ch", channel).string("n", name).finish()));
    }

    pub(super) fn host_sends_on_channel(&mut self, channel: u64, webview: u64, payload: Payload, charge: u64) {
        if !self.channels.contains_key(&channel) {
            return; // Closed meanwhile; its channel-close says so.
        }
        let head = page::message("chmsg", payload.len()).id("ch", channel).id("z", charge);
        let outgoing = match payload {
            Payload::Json(json) => Outgoing::ThisPage(head.raw("d", &json).finish()),
            Payload::Bytes(bytes) => Outgoing::Bytes { message: head.finish(), bytes, this_page: true },
        };
        self.queue(webview, outgoing);
    }

    /// The program took a channel message: its charge goes back to the page with this turn's acks.
    pub(super) fn channel_taken(&mut self, credit: Credit) {
        if self.channels.contains_key(&credit.channel) {
            *self.taken.entry(credit.channel).or_insert(0) += credit.charge;
        }
    }

    /// A channel ends for a reason other than the program closing it: `channel-close` follows.
    fn channel_closed(&mut self, channel: u64, reason: &str) {
        let Some(c) = self.channels.remove(&channel) else { return };
        self.taken.remove(&channel);
        if let Some(a) = self.apps.get(&c.app) {
            a.shared.channels.lock().remove(&channel);
        }
        let window = self.webviews.get(&c.webview).map_or(0, |w| w.window);
        let event = EventBuilder::new(EventKind::ChannelClose, window, c.webview)
            .id("channel", channel)
            .string("reason", reason)
            .build();
        self.emit(c.app, event);
    }
}

/// Adds a payload to an event: `payload` (JSON) or `bytes` (length, with the bytes beside it).
fn with_payload(event: EventBuilder, payload: Payload) -> EventBuilder {
    match payload {
        Payload::Json(json) => event.raw("payload", &json),
        Payload::Bytes(bytes) => event.bytes(bytes),
    }
}
