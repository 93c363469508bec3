//! Reading structured values out of the fuzzer's bytes. Every read succeeds: past the end of
//! the input it yields zeros and empty strings, so each input maps to exactly one case.

/// A cursor over the fuzzer's input.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// One of `choices`, by the next byte.
    pub fn pick<'c, T>(&mut self, choices: &'c [T]) -> &'c T {
        &choices[usize::from(self.byte()) % choices.len()]
    }

    /// Up to `max` bytes, their count given by the next byte.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let len = (usize::from(self.byte())).min(max).min(self.data.len());
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        head
    }

    /// A string of up to `max` bytes (invalid UTF-8 replaced by U+FFFD).
    pub fn string(&mut self, max: usize) -> String {
        String::from_utf8_lossy(self.bytes(max)).into_owned()
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// A secret the error paths must never show: `S3` then at least six characters of
/// `[A-Za-z0-9]` other than `S`, so that `S3` appears in a message only if some of this
/// secret got there (no fixed message, no `[redacted]` and no filler contains `S3`).
pub fn planted_secret(input: &mut Input<'_>) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut secret = String::from("S3");
    let len = 6 + usize::from(input.byte() % 40);
    for _ in 0..len {
        secret.push(char::from(
            ALPHABET[usize::from(input.byte()) % ALPHABET.len()],
        ));
    }
    secret
}

/// Arbitrary text that cannot contain `S3`, a JSON escape or a percent-escape that could
/// spell it (`S` → `s`, `\` → `/`, `%` → `#`).
pub fn filler(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| match c {
            'S' => 's',
            '\\' => '/',
            '%' => '#',
            other => other,
        })
        .collect()
}

/// Whether a header value or a token is safe on the wire: no CR, LF, NUL and no non-ASCII.
pub fn header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b != b'\r' && b != b'\n' && b != 0 && b.is_ascii())
}
