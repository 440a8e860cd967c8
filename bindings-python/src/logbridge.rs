//! Forwards the core's `log` records (target `openai_core`, metadata only: method, path, status,
//! retry count, request id) to the Python logger `openai_rs`.
//!
//! Records of other crates (reqwest, hyper, rustls: they may carry URLs) are never forwarded.
//! The Rust-side level is a cached copy of the Python logger's effective level, refreshed from
//! Python (with the GIL held) before each request, so disabled logging costs one atomic load on
//! the runtime threads and never takes the GIL there.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

struct Bridge;

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SYS_MODULES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Set at interpreter exit: from then on no thread may take the GIL to log.
static SHUTDOWN: AtomicBool = AtomicBool::new(false);

impl log::Log for Bridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        ACTIVE.load(Ordering::Relaxed)
            && !SHUTDOWN.load(Ordering::Relaxed)
            && metadata.target().starts_with("openai_core")
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            log::Level::Debug | log::Level::Trace => 10,
        };
        let message = record.args().to_string();
        Python::attach(|py| {
            if let Some(logger) = LOGGER.get(py) {
                // A failing handler must not take the request down; logging prints its own errors.
                let _ = logger.bind(py).call_method1("log", (level, message));
            }
        });
    }

    fn flush(&self) {}
}

static BRIDGE: Bridge = Bridge;

/// Installs the bridge as the process's `log` logger (once; if another library installed one
/// first, the core's records go there instead).
pub(crate) fn install() {
    if log::set_logger(&BRIDGE).is_ok() {
        log::set_max_level(log::LevelFilter::Off);
    }
}

/// Re-reads the level of the `openai_rs` logger. Cheap when `logging` was never imported (then
/// nothing can listen, and nothing is forwarded).
#[pyfunction]
pub(crate) fn _refresh_log_level(py: Python<'_>) -> PyResult<bool> {
    refresh(py)
}

pub(crate) fn refresh(py: Python<'_>) -> PyResult<bool> {
    let logger = match LOGGER.get(py) {
        Some(l) => l,
        None => {
            let modules = SYS_MODULES.get_or_try_init(py, || -> PyResult<_> {
                Ok(py
                    .import("sys")?
                    .getattr("modules")?
                    .cast_into::<PyDict>()?
                    .unbind())
            })?;
            let Some(logging) = modules.bind(py).get_item("logging")? else {
                return Ok(false);
            };
            let l = logging.call_method1("getLogger", ("openai_rs",))?;
            // Runtime threads forward records with the GIL; stop before the interpreter goes.
            let stop = pyo3::wrap_pyfunction!(_log_shutdown, py)?;
            py.import("atexit")?.call_method1("register", (stop,))?;
            LOGGER.get_or_init(py, || l.unbind())
        }
    };
    let on: bool = logger
        .bind(py)
        .call_method1("isEnabledFor", (10,))?
        .extract()?;
    if on != ACTIVE.swap(on, Ordering::Relaxed) {
        log::set_max_level(if on {
            log::LevelFilter::Debug
        } else {
            log::LevelFilter::Off
        });
    }
    Ok(on)
}

/// Stops forwarding records (registered with `atexit`).
#[pyfunction]
pub(crate) fn _log_shutdown() {
    SHUTDOWN.store(true, Ordering::Relaxed);
    ACTIVE.store(false, Ordering::Relaxed);
}
