//! The stdio transport: Content-Length framed JSON-RPC, a reader that survives malformed
//! input, the main loop, and the worker thread that runs full checks.
//!
//! Malformed input is answered, never fatal: a body that is not JSON gets a `ParseError`
//! response and JSON that is not a JSON-RPC message an `InvalidRequest` response (both with a
//! `null` id, or the message's id when it has one). A header block without `Content-Length`
//! is answered with `ParseError` and the reader looks for the next header.

use crate::server::{Config, Control, Job, JobResult, Server, run_job};
use crossbeam_channel::{Receiver, Sender, never, select, unbounded};
use lsp_server::{ErrorCode, Message};
use std::io::{self, BufRead, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// The largest message body read; larger ones are refused and skipped.
pub const MAX_BODY: usize = 64 << 20;

/// What the reader passes to the main loop.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// Input that could not be taken as a message: answered with an error response.
    Malformed {
        id: serde_json::Value,
        code: ErrorCode,
        message: String,
    },
}

/// Reads framed messages until the end of input.
pub fn read_incoming(input: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    let mut bad_header: Option<String> = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            if !saw_header {
                continue;
            }
            break;
        }
        // Junk glued before a header (a body sent without its header) is reported, and the
        // header after it is still read.
        let header = match trimmed.find("Content-Length:") {
            Some(at) if at > 0 => {
                bad_header.get_or_insert_with(|| "a body without a Content-Length header".into());
                &trimmed[at..]
            }
            _ => trimmed,
        };
        saw_header = true;
        match header.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("Content-Length") => match value.trim().parse() {
                Ok(n) => length = Some(n),
                Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
            },
            Some((_, _)) => {}
            None => {
                bad_header.get_or_insert_with(|| format!("malformed header line `{}`", truncate(header)));
            }
        }
    }
    let Some(length) = length else {
        let message = bad_header.unwrap_or_else(|| "missing Content-Length header".into());
        return Ok(Some(malformed(ErrorCode::ParseError, format!("missing Content-Length header ({message})"))));
    };
    if length > MAX_BODY {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        return Ok(Some(malformed(ErrorCode::InvalidRequest, format!("message of {length} bytes is too large"))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(decode(&body)))
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

fn malformed(code: ErrorCode, message: String) -> Incoming {
    Incoming::Malformed { id: serde_json::Value::Null, code, message }
}

/// Decodes one message body.
pub fn decode(body: &[u8]) -> Incoming {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return malformed(ErrorCode::ParseError, format!("invalid JSON: {e}")),
    };
    let id = value.get("id").cloned().unwrap_or(serde_json::Value::Null);
    let id = if id.is_number() || id.is_string() { id } else { serde_json::Value::Null };
    let well_formed = value.is_object()
        && (value.get("method").is_some_and(serde_json::Value::is_string)
            || value.get("result").is_some()
            || value.get("error").is_some());
    if !well_formed {
        return Incoming::Malformed {
            id,
            code: ErrorCode::InvalidRequest,
            message: "not a JSON-RPC request, notification or response".into(),
        };
    }
    match serde_json::from_value::<Message>(value) {
        Ok(m) => Incoming::Message(m),
        Err(e) => Incoming::Malformed { id, code: ErrorCode::InvalidRequest, message: format!("invalid message: {e}") },
    }
}

/// Frames a JSON value with its Content-Length header.
pub fn frame(value: &serde_json::Value) -> Vec<u8> {
    let body = value.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn message_json(m: &Message) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("jsonrpc".into(), "2.0".into());
    }
    v
}

/// Serves the protocol on standard input and output until `exit` or the end of input, and
/// returns the process exit code the specification asks for.
pub fn run_stdio(config: Config) -> io::Result<i32> {
    let (in_tx, in_rx) = unbounded::<io::Result<Incoming>>();
    std::thread::Builder::new().name("lsp-reader".into()).spawn(move || {
        let stdin = io::stdin();
        let mut lock = stdin.lock();
        loop {
            let next = read_incoming(&mut lock);
            let done = !matches!(next, Ok(Some(_)));
            let sent = match next {
                Ok(Some(m)) => in_tx.send(Ok(m)),
                Ok(None) => break,
                Err(e) => in_tx.send(Err(e)),
            };
            if done || sent.is_err() {
                break;
            }
        }
    })?;
    let (job_tx, job_rx) = unbounded::<Job>();
    let (result_tx, result_rx) = unbounded::<JobResult>();
    std::thread::Builder::new().name("lsp-checker".into()).spawn(move || worker(job_rx, result_tx))?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut server = Server::new(config);
    let code = main_loop(&mut server, &in_rx, &job_tx, &result_rx, &mut out)?;
    Ok(code)
}

fn flush(server: &mut Server, out: &mut impl Write) -> io::Result<()> {
    for m in server.take_outgoing() {
        out.write_all(&frame(&message_json(&m)))?;
    }
    out.flush()
}

fn main_loop(
    server: &mut Server,
    incoming: &Receiver<io::Result<Incoming>>,
    jobs: &Sender<Job>,
    results: &Receiver<JobResult>,
    out: &mut impl Write,
) -> io::Result<i32> {
    loop {
        let timer = match server.next_deadline() {
            Some(at) => crossbeam_channel::at(at),
            None => never(),
        };
        select! {
            recv(incoming) -> msg => match msg {
                Ok(Ok(Incoming::Message(m))) => {
                    // A bug in a stage must not take the editor's server down: the request is
                    // answered with an internal error and the server goes on.
                    let id = match &m {
                        Message::Request(r) => Some(r.id.clone()),
                        _ => None,
                    };
                    let control = match catch_unwind(AssertUnwindSafe(|| server.handle(m))) {
                        Ok(control) => control,
                        Err(_) => {
                            if let Some(id) = id {
                                let resp = serde_json::json!({
                                    "jsonrpc": "2.0",
                                    "id": id,
                                    "error": {
                                        "code": ErrorCode::InternalError as i32,
                                        "message": "internal error while handling the request",
                                    },
                                });
                                out.write_all(&frame(&resp))?;
                            }
                            Control::Continue
                        }
                    };
                    flush(server, out)?;
                    if let Control::Exit(code) = control {
                        return Ok(code);
                    }
                }
                Ok(Ok(Incoming::Malformed { id, code, message })) => {
                    let resp = serde_json::json!({
                        "jsonrpc": "2.0",
                        "id": id,
                        "error": { "code": code as i32, "message": message },
                    });
                    out.write_all(&frame(&resp))?;
                    out.flush()?;
                }
                // The input ended or broke without `exit`: the specification's exit code 1.
                Ok(Err(_)) | Err(_) => return Ok(1),
            },
            recv(results) -> r => match r {
                Ok(r) => {
                    server.apply_job_result(r);
                    flush(server, out)?;
                }
                // The worker never stops while the loop runs; if it did, stop waiting on it.
                Err(_) => return Ok(1),
            },
            recv(timer) -> _ => {
                for job in server.take_due_jobs(Instant::now()) {
                    let _ = jobs.send(job);
                }
            },
        }
    }
}

/// Runs full checks one at a time; of several queued for one workspace only the newest runs.
fn worker(jobs: Receiver<Job>, results: Sender<JobResult>) {
    while let Ok(first) = jobs.recv() {
        let mut pending = vec![first];
        pending.extend(jobs.try_iter());
        let mut newest: Vec<Job> = Vec::new();
        for job in pending {
            newest.retain(|j| j.workspace != job.workspace);
            newest.push(job);
        }
        for job in newest {
            let (workspace, generation) = (job.workspace.clone(), job.generation);
            // A panic in a pass costs that check only: the result is empty and the quick
            // diagnostics stay.
            let result = catch_unwind(AssertUnwindSafe(|| run_job(job))).unwrap_or(JobResult {
                workspace,
                generation,
                outcome: None,
            });
            if results.send(result).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &str) -> Vec<Incoming> {
        let mut r = io::BufReader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(m) = read_incoming(&mut r).expect("in-memory reads do not fail") {
            out.push(m);
        }
        out
    }

    #[test]
    fn malformed_input_is_reported_and_reading_resumes() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\n{{bad}}Content-Type: x\r\n\r\n{good}Content-Length: {}\r\n\r\n{good}\
             Content-Length: 2\r\n\r\n[]",
            good.len()
        );
        let got = read_all(&input);
        let kinds: Vec<String> = got
            .iter()
            .map(|m| match m {
                Incoming::Message(_) => "message".to_string(),
                Incoming::Malformed { code, .. } => format!("error {}", *code as i32),
            })
            .collect();
        // Bad JSON; a header block without Content-Length (its body glued to the next header);
        // the good message; a JSON array that is not a message.
        assert_eq!(kinds, ["error -32700", "error -32700", "message", "error -32600"]);
    }
}
