//! Private keys as users download them: PEM PKCS#8 (`PRIVATE KEY`, Google's JSON key files,
//! Apple's `.p8`), PKCS#1 (`RSA PRIVATE KEY`, GitHub's download) and SEC1 (`EC PRIVATE KEY`,
//! OpenSSL's default). Errors say what is wrong with the file, never any of its content.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

/// A private key's DER bytes, in the form its PEM label announced. Zeroed on drop.
pub(crate) enum KeyDer {
    /// PKCS#8 `PrivateKeyInfo` (RFC 5208), RSA or EC.
    Pkcs8(Zeroizing<Vec<u8>>),
    /// PKCS#1 `RSAPrivateKey` (RFC 8017 §A.1.2).
    Pkcs1(Zeroizing<Vec<u8>>),
    /// SEC1 `ECPrivateKey` (RFC 5915), converted to PKCS#8 for ring.
    Sec1(Zeroizing<Vec<u8>>),
}

/// Reads the first private key of a PEM text.
pub(crate) fn read_private_key(pem: &str) -> Result<KeyDer, String> {
    let mut lines = pem.lines().map(str::trim);
    let label = loop {
        let Some(line) = lines.next() else {
            return Err(
                "no PEM private key was found (expected a '-----BEGIN PRIVATE KEY-----', \
                 'RSA PRIVATE KEY' or 'EC PRIVATE KEY' block)"
                    .to_owned(),
            );
        };
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
            && label.ends_with("PRIVATE KEY")
        {
            break label.to_owned();
        }
    };
    if label == "ENCRYPTED PRIVATE KEY" {
        return Err(encrypted());
    }
    let end = format!("-----END {label}-----");
    let mut base64_text = Zeroizing::new(String::new());
    let mut ended = false;
    for line in lines.by_ref() {
        if line == end {
            ended = true;
            break;
        }
        if line.starts_with("Proc-Type:") && line.contains("ENCRYPTED") {
            return Err(encrypted());
        }
        if line.contains(':') || line.is_empty() {
            continue; // RFC 1421 headers such as DEK-Info
        }
        base64_text.push_str(line);
    }
    if !ended {
        return Err(format!(
            "the PEM key is truncated: its '-----END {label}-----' line is missing"
        ));
    }
    let der = Zeroizing::new(STANDARD.decode(base64_text.as_bytes()).map_err(|_| {
        format!("the PEM key's base64 is invalid (the '{label}' block is damaged or truncated)")
    })?);
    match label.as_str() {
        "PRIVATE KEY" => Ok(KeyDer::Pkcs8(der)),
        "RSA PRIVATE KEY" => Ok(KeyDer::Pkcs1(der)),
        "EC PRIVATE KEY" => Ok(KeyDer::Sec1(sec1_to_pkcs8(&der))),
        other => Err(format!(
            "the PEM block '{other}' is not a supported private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"
        )),
    }
}

fn encrypted() -> String {
    "the private key is password-protected (encrypted PEM); decrypt it first, e.g. \
     `openssl pkey -in key.pem -out key-plain.pem`, and keep the result as secret as the key"
        .to_owned()
}

/// Wraps a SEC1 P-256 key into PKCS#8 (RFC 5208 §5, RFC 5915 §1), which ring reads:
/// `SEQUENCE { INTEGER 0, SEQUENCE { id-ecPublicKey, prime256v1 }, OCTET STRING sec1 }`.
/// A key of another curve then fails in ring with a clear error.
fn sec1_to_pkcs8(sec1: &[u8]) -> Zeroizing<Vec<u8>> {
    const ALGORITHM: [u8; 21] = [
        0x30, 0x13, // SEQUENCE, 19 bytes
        0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, // 1.2.840.10045.2.1
        0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, // 1.2.840.10045.3.1.7
    ];
    let mut inner = Zeroizing::new(Vec::with_capacity(sec1.len() + 32));
    inner.extend_from_slice(&[0x02, 0x01, 0x00]);
    inner.extend_from_slice(&ALGORITHM);
    inner.push(0x04);
    der_length(sec1.len(), &mut inner);
    inner.extend_from_slice(sec1);
    let mut out = Zeroizing::new(Vec::with_capacity(inner.len() + 4));
    out.push(0x30);
    der_length(inner.len(), &mut out);
    out.extend_from_slice(&inner);
    out
}

fn der_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem_never_the_key() {
        let secret_line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
        let truncated = format!("-----BEGIN PRIVATE KEY-----\n{secret_line}\n");
        for (pem, says) in [
            ("no key here".to_owned(), "no PEM private key"),
            (truncated, "truncated"),
            (
                format!(
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{secret_line}\n-----END ENCRYPTED PRIVATE KEY-----\n"
                ),
                "password-protected",
            ),
            (
                format!(
                    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n{secret_line}\n-----END RSA PRIVATE KEY-----\n"
                ),
                "password-protected",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n%%%%\n-----END PRIVATE KEY-----\n".to_owned(),
                "base64",
            ),
        ] {
            let Err(error) = read_private_key(&pem) else {
                panic!("{pem:?} was accepted");
            };
            assert!(error.contains(says), "{error}");
            assert!(!error.contains(secret_line), "{error}");
        }
    }
}
