//! TLS verification, custom CAs, and requests through real HTTP and SOCKS5 proxies (Debian's
//! tinyproxy and microsocks, started here, their logs checked).
//!
//! `make test` installs openssl, tinyproxy and microsocks; run `make test-deps` before a plain
//! `cargo test` on a new machine.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;
use openai_core::{ClientBuilder, EnvSource, ErrorKind, RequestOptions};
use openai_mock::{MockOptions, MockServer, TlsFiles};

/// Tests that change the process environment (proxy variables) must not overlap.
static ENV_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn need(tool: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"] {
        let p = Path::new(dir).join(tool);
        if p.exists() {
            return p;
        }
    }
    panic!("{tool} is not installed; run `make test-deps` (make test does this itself)");
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("openai-rs-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new(need("openssl"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a leaf for 127.0.0.1/localhost signed by it, a leaf for another name, and a
/// self-signed certificate.
fn make_certs(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=openai-rs test CA",
    ]);
    openssl(dir, &args);
    for (name, san) in [
        ("leaf", "IP:127.0.0.1,DNS:localhost"),
        ("wrong", "DNS:example.com"),
    ] {
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let pem = format!("{name}.pem");
        let mut args = vec!["req"];
        args.extend(ec);
        args.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=test"]);
        openssl(dir, &args);
        let ext = format!("{name}.ext");
        std::fs::write(
            dir.join(&ext),
            format!(
                "subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            ),
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
        );
    }
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "self.key",
        "-out",
        "self.pem",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ]);
    openssl(dir, &args);
}

fn tls_mock(dir: &Path, name: &str) -> MockServer {
    MockServer::start_with(MockOptions {
        tls: Some(TlsFiles {
            cert_pem: dir.join(format!("{name}.pem")),
            key_pem: dir.join(format!("{name}.key")),
        }),
        journal: true,
        ..Default::default()
    })
    .unwrap()
}

fn client_for(base: &str, ca: Option<&Path>) -> openai_core::Client {
    let mut b = ClientBuilder::new()
        .api_key("sk-test-tls-key")
        .base_url(base)
        .max_retries(0)
        .env(EnvSource::Map(Default::default()));
    if let Some(ca) = ca {
        b = b.ca_file(ca);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn x5_x6_tls_is_verified_and_a_custom_ca_works() {
    let dir = tmpdir("tls");
    make_certs(&dir);

    // Self-signed: rejected before any HTTP request (and so the key) is sent.
    let server = tls_mock(&dir, "self");
    let e = client_for(&server.base_url(), None)
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    assert!(server.connections() >= 1);
    assert!(
        server.journal().is_empty(),
        "no HTTP request may reach a server that failed verification"
    );

    // Signed by our CA: accepted once the CA is given, still verified.
    let server = tls_mock(&dir, "leaf");
    let e = client_for(&server.base_url(), None)
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Connection,
        "an unknown CA is not trusted"
    );
    let r = client_for(&server.base_url(), Some(&dir.join("ca.pem")))
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(r.data.content(), Some("You said: Hello!"));
    assert_eq!(server.journal().len(), 1);

    // Trusted CA but a certificate for another host name: rejected.
    let server = tls_mock(&dir, "wrong");
    let e = client_for(&server.base_url(), Some(&dir.join("ca.pem")))
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert!(server.journal().is_empty());

    // A CA file that is not PEM is a configuration error at construction.
    std::fs::write(dir.join("junk.pem"), "not a certificate").unwrap();
    let e = ClientBuilder::new()
        .api_key("k")
        .ca_file(dir.join("junk.pem"))
        .env(EnvSource::Map(Default::default()))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    std::fs::remove_dir_all(&dir).ok();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_tinyproxy(dir: &Path) -> (Proc, u16, PathBuf) {
    let port = free_port();
    let log = dir.join("tinyproxy.log");
    let conf = dir.join("tinyproxy.conf");
    std::fs::write(
        &conf,
        format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\n\
             MaxClients 50\nAllow 127.0.0.1\nDisableViaHeader No\n",
            log.display()
        ),
    )
    .unwrap();
    let child = Command::new(need("tinyproxy"))
        .args(["-d", "-c"])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port);
    (Proc(child), port, log)
}

fn start_microsocks() -> (Proc, u16, std::sync::Arc<Mutex<Vec<String>>>) {
    let port = free_port();
    let mut child = Command::new(need("microsocks"))
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::sync::Arc::new(Mutex::new(Vec::new()));
    for pipe in [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
    }
    wait_for_port(port);
    (Proc(child), port, lines)
}

fn proxied_client(proxy: &str) -> openai_core::Client {
    builder().proxy(proxy).build().unwrap()
}

#[tokio::test]
async fn http_proxy_tinyproxy() {
    let _g = ENV_LOCK.lock().await;
    let dir = tmpdir("tinyproxy");
    let (_p, port, log) = start_tinyproxy(&dir);
    let id = test_id("tiny");
    let r = proxied_client(&format!("http://127.0.0.1:{port}"))
        .chat_completion(&hello(), &fault(&id, ""))
        .await
        .unwrap();
    assert_eq!(r.data.content(), Some("You said: Hello!"));
    let seen = &mock().journal_for(&id)[0];
    assert!(
        seen.header("via").unwrap_or("").contains("tinyproxy"),
        "{:?}",
        seen.headers
    );
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log_text.contains("/v1/chat/completions"),
        "tinyproxy log: {log_text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn socks5_proxy_microsocks() {
    let _g = ENV_LOCK.lock().await;
    let (_p, port, lines) = start_microsocks();
    for scheme in ["socks5", "socks5h"] {
        let id = test_id(scheme);
        let r = proxied_client(&format!("{scheme}://127.0.0.1:{port}"))
            .chat_completion(&hello(), &fault(&id, ""))
            .await
            .unwrap();
        assert_eq!(r.data.content(), Some("You said: Hello!"));
        let seen = &mock().journal_for(&id)[0];
        assert!(seen.header("via").is_none());
    }
    std::thread::sleep(Duration::from_millis(100));
    let mock_port = mock().addr().port().to_string();
    let out = lines.lock().unwrap().join("\n");
    assert!(
        out.contains(&mock_port),
        "microsocks log should name the target: {out}"
    );
}

#[tokio::test]
async fn proxy_from_environment_and_no_proxy() {
    let _g = ENV_LOCK.lock().await;
    let dir = tmpdir("envproxy");
    let (_p, port, _log) = start_tinyproxy(&dir);
    let saved: Vec<_> = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ]
    .iter()
    .map(|k| (*k, std::env::var(k).ok()))
    .collect();
    // SAFETY: ENV_LOCK serialises every test of this binary that reads or writes these variables.
    unsafe {
        for (k, _) in &saved {
            std::env::remove_var(k);
        }
        std::env::set_var("HTTP_PROXY", format!("http://127.0.0.1:{port}"));
    }
    let id = test_id("envproxy");
    let c = client();
    c.chat_completion(&hello(), &fault(&id, "")).await.unwrap();
    let via = mock().journal_for(&id)[0].header("via").map(str::to_owned);
    // SAFETY: as above.
    unsafe { std::env::set_var("NO_PROXY", "127.0.0.1") };
    let id2 = test_id("noproxy");
    client()
        .chat_completion(&hello(), &fault(&id2, ""))
        .await
        .unwrap();
    let via2 = mock().journal_for(&id2)[0].header("via").map(str::to_owned);
    // SAFETY: as above.
    unsafe {
        for (k, v) in &saved {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }
    assert!(
        via.unwrap_or_default().contains("tinyproxy"),
        "HTTP_PROXY is honoured"
    );
    assert!(via2.is_none(), "NO_PROXY is honoured");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn unreachable_proxy_is_a_connection_error() {
    let port = free_port();
    let e = builder()
        .max_retries(0)
        .proxy(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap()
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection);
}
