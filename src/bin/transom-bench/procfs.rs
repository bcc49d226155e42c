//! CPU time and memory of a whole process tree, read from /proc: the program and every process
//! it started (WebKit's web and network processes, a sandbox wrapper, transom-host, a runtime's
//! helpers).

use std::collections::HashMap;

/// (ppid, utime + stime in clock ticks) of every process.
fn all() -> HashMap<u32, (u32, u64)> {
    let mut map = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return map };
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // Fields after the command name (which may hold spaces and parentheses).
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() < 13 {
            continue;
        }
        let ppid = f[1].parse().unwrap_or(0);
        let ticks = f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
        map.insert(pid, (ppid, ticks));
    }
    map
}

/// `root` and all its descendants.
pub fn tree(root: u32) -> Vec<u32> {
    let map = all();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        for (&pid, &(ppid, _)) in &map {
            if ppid == parent && !out.contains(&pid) {
                out.push(pid);
            }
        }
        i += 1;
    }
    out
}

/// CPU time (user + system) of the tree, in seconds.
pub fn cpu_seconds(root: u32) -> f64 {
    let map = all();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let ticks: u64 = tree(root).iter().filter_map(|pid| map.get(pid)).map(|&(_, t)| t).sum();
    ticks as f64 / hz
}

/// Proportional set size of the tree, in KiB (`Pss:` of /proc/PID/smaps_rollup).
pub fn pss_kib(root: u32) -> u64 {
    tree(root)
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|text| {
            text.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .sum()
}

/// The command names of the tree, for the method notes.
pub fn names(root: u32) -> Vec<String> {
    tree(root)
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).ok())
        .map(|s| s.trim().to_owned())
        .collect()
}
