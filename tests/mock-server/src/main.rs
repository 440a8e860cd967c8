//! `openai-mock`: the mock server as a process, for the Python and C suites,
//! the examples, the benchmarks and the README demo.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use openai_mock::{Engine, MockOptions, TlsFiles, bind};

const USAGE: &str = "\
openai-mock: a deterministic OpenAI-compatible server for tests

USAGE:
    openai-mock [OPTIONS]

OPTIONS:
    --host HOST          address to listen on [default: 127.0.0.1]
    --port N             port to listen on, 0 for any free port [default: 0]
    --latency-ms N       delay before every /v1 response [env: OPENAI_MOCK_LATENCY_MS]
    --tls-cert PEM       serve HTTPS with this certificate chain (needs --tls-key)
    --tls-key PEM        private key for --tls-cert
    --no-journal         do not record requests (for long benchmarks)
    --threads N          tokio worker threads [default: 2]
    --rpm N              enforce N requests per minute on every request (429 beyond)
    --tpm N              enforce N tokens per minute on every request
    --rate-window-ms N   enforced buckets hold N ms of the limit [default: 60000]
    -h, --help           print this help

The first line on stdout is the base URL, e.g. http://127.0.0.1:PORT/v1.
Faults are chosen per request with the x-mock-fault header; see the crate docs.
";

struct Args {
    host: String,
    threads: usize,
    opts: MockOptions,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut host = "127.0.0.1".to_owned();
    let mut threads = 2;
    let mut opts = MockOptions::default();
    let mut cert = None;
    let mut key = None;
    if let Ok(v) = std::env::var("OPENAI_MOCK_LATENCY_MS") {
        let ms = v
            .trim()
            .parse()
            .map_err(|_| format!("OPENAI_MOCK_LATENCY_MS: not a number: {v}"))?;
        opts.latency = Duration::from_millis(ms);
    }
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--host" => host = value()?,
            "--port" => {
                opts.port = u16::try_from(number(value()?)?)
                    .map_err(|_| "--port: out of range".to_owned())?
            }
            "--latency-ms" => opts.latency = Duration::from_millis(number(value()?)?),
            "--tls-cert" => cert = Some(PathBuf::from(value()?)),
            "--tls-key" => key = Some(PathBuf::from(value()?)),
            "--no-journal" => opts.journal = false,
            "--threads" => threads = number(value()?)?.clamp(1, 64) as usize,
            "--rpm" => opts.rpm = Some(number(value()?)?.max(1)),
            "--tpm" => opts.tpm = Some(number(value()?)?.max(1)),
            "--rate-window-ms" => {
                opts.rate_window = Duration::from_millis(number(value()?)?.max(1))
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    opts.tls = match (cert, key) {
        (Some(cert_pem), Some(key_pem)) => Some(TlsFiles { cert_pem, key_pem }),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".to_owned()),
    };
    Ok(Some(Args {
        host,
        threads,
        opts,
    }))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn run(args: Args) -> Result<(), String> {
    let engine = Engine::new(&args.opts).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let addr = (args.host.as_str(), args.opts.port)
        .to_socket_addrs()
        .map_err(|e| format!("{}: {e}", args.host))?
        .next()
        .ok_or_else(|| format!("{}: no address", args.host))?;
    let listener = {
        let _guard = runtime.enter();
        bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?
    };
    let mut local = listener.local_addr().map_err(|e| e.to_string())?;
    // A wildcard address is not something a client can connect to.
    if local.ip().is_unspecified() {
        local = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local.port());
    }
    let scheme = if engine.is_tls() { "https" } else { "http" };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{scheme}://{local}/v1")
        .and_then(|()| stdout.flush())
        .map_err(|e| e.to_string())?;
    drop(stdout);
    runtime.block_on(engine.run(listener, shutdown_signal()));
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(())
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("openai-mock: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("openai-mock: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_flags() {
        let args = |v: &[&str]| parse_args(v.iter().map(|s| s.to_string()));
        let a = args(&["--rpm", "600", "--tpm=90000", "--rate-window-ms", "1000"])
            .unwrap()
            .unwrap();
        assert_eq!((a.opts.rpm, a.opts.tpm), (Some(600), Some(90_000)));
        assert_eq!(a.opts.rate_window, Duration::from_secs(1));
        let a = args(&[]).unwrap().unwrap();
        assert_eq!((a.opts.rpm, a.opts.tpm), (None, None));
        assert_eq!(a.opts.rate_window, Duration::from_secs(60));
        assert!(args(&["--rpm", "x"]).is_err());
    }
}
