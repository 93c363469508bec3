//! Calls one header builder (or parser) N times, for instruction counts that do not depend on
//! the machine's load: run it under `valgrind --tool=callgrind` and divide the total by N
//! (the figures in docs/benchmarks.md, "instructions per call").
//!
//! Usage: `cargo run --release -p authwire --example builder_instructions -- <case> <N>`, with
//! case one of `basic_auth`, `bearer_auth`, `scheme_auth_params`, `scheme_auth`,
//! `decode_basic`, or `none` (the loop alone, to subtract).

use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "basic_auth".to_owned());
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let mut total = 0usize;
    for _ in 0..n {
        total += match case.as_str() {
            "basic_auth" => authwire::basic_auth(black_box("Aladdin"), black_box("open sesame"))
                .unwrap()
                .len(),
            "bearer_auth" => authwire::bearer_auth(black_box("mF_9.B5f-4.1JqM"))
                .unwrap()
                .len(),
            "scheme_auth_params" => authwire::scheme_auth_params(
                black_box("Token"),
                black_box(&[("token", "abc"), ("realm", "x@y")]),
            )
            .unwrap()
            .len(),
            "scheme_auth" => {
                authwire::scheme_auth(black_box("Token"), black_box(r#"token="abc", realm="x@y""#))
                    .unwrap()
                    .len()
            }
            "decode_basic" => {
                authwire::decode_basic(black_box("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="))
                    .unwrap()
                    .user_id()
                    .len()
            }
            "none" => black_box(1),
            other => panic!("unknown case {other}"),
        };
    }
    println!("{case}: {n} calls ({total} bytes)");
}
