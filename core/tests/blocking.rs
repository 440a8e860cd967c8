//! The blocking facade the bindings use: calls, streams, cancellation and fork.

mod common;

use std::time::{Duration, Instant};

use common::*;
use openai_core::blocking::{self, BlockingChatStream, CancellationToken};
use openai_core::{ErrorKind, RequestOptions};

#[test]
fn blocking_call_and_stream() {
    let c = client();
    let r = blocking::block_on(c.chat_completion(&hello(), &RequestOptions::default()))
        .unwrap()
        .unwrap();
    assert_eq!(r.data.content(), Some("You said: Hello!"));
    let s = blocking::block_on(c.chat_completion_stream(&hello(), &RequestOptions::default()))
        .unwrap()
        .unwrap();
    let mut s = BlockingChatStream::new(s);
    let mut text = String::new();
    for chunk in &mut s {
        for choice in chunk.unwrap().choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or(""));
        }
    }
    assert_eq!(text, "You said: Hello!");
    assert!(s.get_ref().is_complete());
}

#[test]
fn threads_share_one_client() {
    let c = client();
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let c = c.clone();
            std::thread::spawn(move || {
                let mut req = hello();
                req.messages = vec![openai_core::Message::user(format!("thread {i}"))];
                let r = blocking::block_on(
                    c.chat_completion(&req, &fault(&test_id("thr"), "latency=200")),
                )
                .unwrap()
                .unwrap();
                assert_eq!(
                    r.data.content(),
                    Some(format!("You said: thread {i}").as_str())
                );
            })
        })
        .collect();
    let started = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    // 16 × 200 ms in parallel, not in series.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn cancel_an_in_flight_request_from_another_thread() {
    let c = client();
    let token = CancellationToken::new();
    let t = token.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        t.cancel();
    });
    let started = Instant::now();
    let id = test_id("cancel");
    let e = blocking::block_on_cancellable(
        c.chat_completion(&hello(), &fault(&id, "delay-headers=5000")),
        Some(&token),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(mock().journal_for(&id).len(), 1, "no retry after a cancel");
}

#[test]
fn cancel_a_stalled_stream() {
    let c = client();
    let s = blocking::block_on(
        c.chat_completion_stream(&hello(), &fault(&test_id("cs"), "events=5;stall-after=1")),
    )
    .unwrap()
    .unwrap();
    let mut s = BlockingChatStream::new(s);
    let token = CancellationToken::new();
    assert!(s.next_chunk(Some(&token)).unwrap().is_ok());
    let t = token.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        t.cancel();
    });
    let mut last = None;
    while let Some(item) = s.next_chunk(Some(&token)) {
        if let Err(e) = item {
            last = Some(e);
            break;
        }
    }
    assert_eq!(last.unwrap().kind(), ErrorKind::Cancelled);
}

#[test]
fn forked_child_can_use_a_client_made_in_the_parent() {
    let c = client();
    blocking::block_on(c.chat_completion(&hello(), &RequestOptions::default()))
        .unwrap()
        .unwrap();
    // SAFETY: the child runs only the client and then _exits; this is the case the per-process
    // runtime and connection pool exist for.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = match blocking::block_on(c.chat_completion(&hello(), &RequestOptions::default()))
        {
            Ok(Ok(r)) if r.data.content() == Some("You said: Hello!") => 0,
            _ => 3,
        };
        // SAFETY: leave without running the parent's destructors or test harness.
        unsafe { libc::_exit(code) };
    }
    assert!(pid > 0);
    let started = Instant::now();
    let mut status = 0;
    loop {
        // SAFETY: polling our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        if started.elapsed() > Duration::from_secs(10) {
            // SAFETY: killing our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the forked child hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child status {status}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Wakes of waiting callers are batched by the workers and share futex words (more threads than
/// slots here): every call must still return, with its own result, and none may hang.
#[test]
fn many_threads_waiting_at_once_all_get_their_own_results() {
    let handles: Vec<_> = (0..200u64)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..200u64 {
                    let got = blocking::block_on(async move {
                        // Completes on a worker, sometimes at once, sometimes after a yield.
                        if i % 2 == 0 {
                            tokio::task::yield_now().await;
                        }
                        t * 1000 + i
                    })
                    .unwrap();
                    assert_eq!(got, t * 1000 + i);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
