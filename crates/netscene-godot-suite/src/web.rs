//! The suite's HTTP server on 127.0.0.1: the template's files, each client's page and main
//! pack, and the lines each client's Godot prints (POSTed back by its page, in order).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::template::{TEMPLATE_FILES, template_dir};

/// What a client's page reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Report {
    /// A line Godot printed on stdout (`print`).
    Out(String),
    /// A line Godot printed on stderr (`printerr`, `push_error`, engine errors).
    Err(String),
    /// Godot exited with this code.
    Exit(i32),
    /// The page could not start the engine, or threw.
    PageError(String),
}

struct Client {
    page: String,
    pack: Arc<Vec<u8>>,
    reports: Sender<Report>,
}

/// The process-wide server: one per test binary, clients registered by id.
pub(crate) struct WebHost {
    port: u16,
    clients: Arc<Mutex<HashMap<u64, Client>>>,
}

type Template = HashMap<&'static str, Vec<u8>>;

impl WebHost {
    /// The server, started on first use.
    pub(crate) fn get() -> &'static WebHost {
        static HOST: OnceLock<WebHost> = OnceLock::new();
        HOST.get_or_init(WebHost::start)
    }

    fn start() -> WebHost {
        let dir = template_dir();
        let template: Arc<Template> = Arc::new(
            TEMPLATE_FILES
                .iter()
                .map(|&name| {
                    let bytes = std::fs::read(dir.join(name))
                        .unwrap_or_else(|e| panic!("cannot read the template's {name}: {e}"));
                    (name, bytes)
                })
                .collect(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("HTTP server on 127.0.0.1");
        let port = listener.local_addr().expect("bound").port();
        let host = WebHost {
            port,
            clients: Arc::default(),
        };
        let clients = Arc::clone(&host.clients);
        // One thread per connection and one request per connection: several browsers start
        // at once, and a keep-alive connection held by one must never delay another's request
        // (a pooled server queued one client's page behind another's idle connection).
        std::thread::Builder::new()
            .name("godot-suite-http".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let clients = Arc::clone(&clients);
                    let template = Arc::clone(&template);
                    let _ = std::thread::Builder::new()
                        .name("godot-suite-http-conn".into())
                        .spawn(move || answer(stream, &clients, &template));
                }
            })
            .expect("HTTP thread");
        host
    }

    /// Registers a client; its page is `/c/{id}/`.
    pub(crate) fn add_client(&self, id: u64, page: String, pack: Vec<u8>, reports: Sender<Report>) {
        self.clients.lock().expect("clients").insert(
            id,
            Client {
                page,
                pack: Arc::new(pack),
                reports,
            },
        );
    }

    /// Forgets a client (its page's later reports are dropped).
    pub(crate) fn remove_client(&self, id: u64) {
        self.clients.lock().expect("clients").remove(&id);
    }

    /// The URL of a client's page.
    pub(crate) fn page_url(&self, id: u64) -> String {
        format!("http://127.0.0.1:{}/c/{id}/", self.port)
    }
}

/// Largest request head and body the suite's pages send (a printed line is far smaller).
const MAX_REQUEST: usize = 1 << 20;

/// A request: method, path and body.
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if data.len() > MAX_REQUEST {
            return None;
        }
        let n = stream.read(&mut buf).ok().filter(|&n| n > 0)?;
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut words = head.split_whitespace();
    let method = words.next()?.to_owned();
    let path = words.next()?.to_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST);
    let mut body = data.split_off(head_end);
    while body.len() < length {
        let n = stream.read(&mut buf).ok().filter(|&n| n > 0)?;
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);
    Some(Request { method, path, body })
}

/// What a request gets: the status line's code and, for 200, a body and its type.
enum Answer {
    Found(Arc<Vec<u8>>, &'static str),
    Static(&'static [u8], &'static str),
    Template(&'static str),
    NotFound,
}

fn answer(mut stream: TcpStream, clients: &Mutex<HashMap<u64, Client>>, template: &Template) {
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let parts: Vec<&str> = request
        .path
        .trim_start_matches('/')
        .splitn(3, '/')
        .collect();
    let answer = match parts.as_slice() {
        ["t", name] if request.method == "GET" => {
            match template.keys().find(|known| **known == *name) {
                Some(known) => Answer::Template(known),
                None => Answer::NotFound,
            }
        }
        ["c", id, rest] => {
            let id: u64 = id.parse().unwrap_or(u64::MAX);
            let clients = clients.lock().expect("clients");
            match (clients.get(&id), *rest) {
                (Some(client), "") => Answer::Found(
                    Arc::new(client.page.clone().into_bytes()),
                    "text/html; charset=utf-8",
                ),
                (Some(client), "pack.zip") => {
                    Answer::Found(Arc::clone(&client.pack), "application/zip")
                }
                (Some(client), "log") => {
                    let text = String::from_utf8_lossy(&request.body);
                    let _ = client.reports.send(parse_report(&text));
                    Answer::Static(b"", "text/plain")
                }
                _ => Answer::NotFound,
            }
        }
        _ => Answer::NotFound,
    };
    let (status, body, kind): (&str, &[u8], &str) = match &answer {
        Answer::Found(body, kind) => ("200 OK", body.as_slice(), kind),
        Answer::Static(body, kind) => ("200 OK", body, kind),
        Answer::Template(name) => ("200 OK", template[*name].as_slice(), content_type(name)),
        Answer::NotFound => ("404 Not Found", b"", "text/plain"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // A browser that went away mid-answer is not the test's concern.
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".wasm") {
        "application/wasm"
    } else {
        "text/javascript"
    }
}

/// Reads one POSTed report: `KIND text`.
fn parse_report(body: &str) -> Report {
    let (kind, text) = body.split_once(' ').unwrap_or((body, ""));
    match kind {
        "OUT" => Report::Out(text.to_owned()),
        "ERR" => Report::Err(text.to_owned()),
        "EXIT" => Report::Exit(text.trim().parse().unwrap_or(i32::MIN)),
        _ => Report::PageError(text.to_owned()),
    }
}

/// The page that starts Godot with `pack` and forwards every printed line. Reports are
/// chained so they arrive in the order Godot printed them.
pub(crate) fn client_page(id: u64, user_args: &[String]) -> String {
    let mut args = vec!["--headless".to_owned(), "--".to_owned()];
    args.extend(user_args.iter().cloned());
    let args = js_string_array(&args);
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>netscene godot client {id}</title></head>
<body><canvas id="canvas"></canvas>
<script src="/t/index.js"></script>
<script>
let chain = Promise.resolve();
function report(kind, text) {{
  chain = chain.then(() => fetch('/c/{id}/log', {{ method: 'POST', body: kind + ' ' + text }}))
               .catch(() => {{}});
}}
window.addEventListener('error', (e) => report('PAGE', String(e.message)));
window.addEventListener('unhandledrejection', (e) => report('PAGE', String(e.reason)));
const engine = new Engine({{
  executable: '/t/index',
  mainPack: '/c/{id}/pack.zip',
  args: {args},
  onPrint: (...parts) => report('OUT', parts.join(' ')),
  onPrintError: (...parts) => report('ERR', parts.join(' ')),
  onExit: (code) => report('EXIT', String(code)),
}});
engine.startGame().catch((e) => report('PAGE', 'cannot start Godot: ' + e));
</script></body></html>
"#
    )
}

fn js_string_array(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| {
            let mut out = String::from("\"");
            for c in item.chars() {
                match c {
                    '"' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    '<' => out.push_str("\\u003c"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_parse_by_kind() {
        assert_eq!(parse_report("OUT hi there"), Report::Out("hi there".into()));
        assert_eq!(parse_report("ERR ERROR: x"), Report::Err("ERROR: x".into()));
        assert_eq!(parse_report("EXIT 3"), Report::Exit(3));
        assert_eq!(parse_report("OUT "), Report::Out(String::new()));
        assert_eq!(parse_report("PAGE boom"), Report::PageError("boom".into()));
    }

    #[test]
    fn user_args_are_escaped_into_the_page() {
        let page = client_page(7, &["--name=a\"b</script>".into()]);
        assert!(page.contains(r#"["--headless", "--", "--name=a\"b\u003c/script>"]"#));
        assert!(page.contains("/c/7/pack.zip"));
    }
}
