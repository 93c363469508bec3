//! Sealed token-store entries: an entry sealed with the credential, then damaged per the
//! input (bits flipped, bytes replaced, inserted or cut, another credential's entry, bytes
//! of the input's own).
//!
//! Invariants: never a panic; damaged bytes are accepted only when they are byte-for-byte
//! the sealed entry, and then open to exactly the entry sealed; another credential's entry
//! and foreign bytes are refused; every entry round-trips.

use std::sync::OnceLock;

use authwire::fuzzing::{StoreSealer, StoredEntry};

use crate::input::Input;

fn sealers() -> &'static (StoreSealer, StoreSealer) {
    static SEALERS: OnceLock<(StoreSealer, StoreSealer)> = OnceLock::new();
    SEALERS.get_or_init(|| {
        (
            StoreSealer::for_api_key("key-0123456789abcdef"),
            StoreSealer::for_api_key("key-0123456789abcdeg"),
        )
    })
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let (sealer, other) = sealers();
    assert_ne!(sealer.token_key(), other.token_key());
    let mut input = Input::new(data);
    let entry = StoredEntry {
        token: input.string(64),
        authorization: input.string(80),
        cookie: (input.byte().is_multiple_of(2)).then(|| input.string(40)),
        issued_at_ms: u64::from(input.u32()) * 1000,
        lifetime_ms: u64::from(input.u32()),
    };
    let sealed = sealer.seal(&entry);
    assert_eq!(sealer.open(&sealed).as_ref(), Ok(&entry), "round trip");
    assert!(
        other.open(&sealed).is_err(),
        "another credential opened the entry"
    );
    assert!(
        sealer.open(&other.seal(&entry)).is_err(),
        "an entry of another credential was accepted"
    );
    let mut damaged = sealed.clone();
    for _ in 0..(1 + input.byte() % 4) {
        let at = usize::from(input.u16());
        match input.byte() % 6 {
            0 if !damaged.is_empty() => {
                let i = at % damaged.len();
                damaged[i] ^= 1 << (input.byte() % 8);
            }
            1 if !damaged.is_empty() => {
                let i = at % damaged.len();
                damaged[i] = input.byte();
            }
            2 => {
                let i = at % (damaged.len() + 1);
                damaged.insert(i, input.byte());
            }
            3 => damaged.truncate(at % (damaged.len() + 1)),
            4 if !damaged.is_empty() => {
                let i = at % damaged.len();
                damaged.remove(i);
            }
            _ => {
                let bytes = input.bytes(64);
                let i = at % (damaged.len() + 1);
                damaged.splice(i..i, bytes.iter().copied());
            }
        }
    }
    match sealer.open(&damaged) {
        Ok(opened) => {
            assert_eq!(damaged, sealed, "damaged bytes were accepted");
            assert_eq!(opened, entry);
        }
        Err(reason) => assert_ne!(damaged, sealed, "the intact entry was refused: {reason}"),
    }
    let foreign = input.rest();
    if foreign != sealed.as_slice() {
        assert!(sealer.open(foreign).is_err(), "foreign bytes were accepted");
    }
}
