//! A minimal JSON emitter into a byte buffer: keys in the order written, no allocation.

/// Appends `s` as a JSON string (quoted, escaped).
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends an integer.
pub fn int(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends a number given in tenths, with one decimal (`362` → `36.2`).
pub fn tenths(out: &mut Vec<u8>, tenths: u64) {
    int(out, tenths / 10);
    out.push(b'.');
    out.push(b'0' + (tenths % 10) as u8);
}

/// Appends minutes as hours with one decimal, rounded half up.
pub fn hours(out: &mut Vec<u8>, minutes: u32) {
    tenths(out, hours_in_tenths(minutes));
}

/// Minutes as tenths of an hour, rounded half up (`87` → `15`, i.e. 1.5 h).
pub fn hours_in_tenths(minutes: u32) -> u64 {
    (u64::from(minutes) * 10 + 30) / 60
}

/// Appends `"key":` (the key must not need escaping), preceded by a comma unless `first`.
pub fn key(out: &mut Vec<u8>, first: bool, key: &str) {
    if !first {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        for s in [
            "plain",
            "a \"quoted\" name",
            "back\\slash",
            "tab\tnew\nline\u{1}",
            "Łódź, Ærø",
        ] {
            let mut out = Vec::new();
            string(&mut out, s);
            let parsed: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(parsed, s);
        }
        let mut out = Vec::new();
        hours(&mut out, 0);
        out.push(b' ');
        hours(&mut out, 87);
        assert_eq!(out, b"0.0 1.5");
    }
}
