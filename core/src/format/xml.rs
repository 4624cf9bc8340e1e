//! XML: one well-formed document, `<patients>` with one `<patient>` per patient.
//!
//! A `<patient>` mirrors the JSON record element by element: the same names as the JSON
//! keys, in the same order (both are written from [`emit_record`]); nested objects are
//! child elements; an array is a container element holding one element per item, named
//! in the singular (`<conditions><condition>…`, `<treatments><treatment>…`,
//! `<vital_signs><reading>…`, `<movement_timeline><event>…`); a JSON `null` is an absent
//! element; numbers and booleans are written as in JSON. Text is escaped with quick-xml.
//! `docs/formats.md` shows a sample.

use std::io::Write as _;

use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesStart, Event};

use super::Encoder;
use super::json_out::{hours, int, tenths};
use super::record::{RenderContext, emit_record};
use super::sink::Sink;
use crate::patient::Patient;

/// The `xml` format.
pub(crate) struct XmlEncoder {
    pub(crate) ctx: RenderContext,
}

impl Encoder for XmlEncoder {
    fn header(&self, out: &mut Vec<u8>) {
        let seed = self.ctx.seed().to_string();
        let root = BytesStart::new("patients").with_attributes([
            ("generator", "milmed"),
            ("version", env!("CARGO_PKG_VERSION")),
            ("seed", seed.as_str()),
        ]);
        let mut writer = Writer::new(&mut *out);
        writer
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .and_then(|()| writer.get_mut().write_all(b"\n"))
            .and_then(|()| writer.write_event(Event::Start(root)))
            .expect("writing to memory cannot fail");
        out.push(b'\n');
    }

    fn encode(&self, patient: &Patient, _position: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(b"<patient>");
        emit_record(&self.ctx, patient, &mut XmlSink { out });
        out.extend_from_slice(b"</patient>\n");
    }

    fn footer(&self, out: &mut Vec<u8>, _count: u64) {
        out.extend_from_slice(b"</patients>\n");
    }
}

/// Renders values as XML elements named after their keys.
struct XmlSink<'a> {
    out: &'a mut Vec<u8>,
}

impl XmlSink<'_> {
    fn open(&mut self, name: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    fn close(&mut self, name: &str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    fn element(&mut self, name: &str, write: impl FnOnce(&mut Vec<u8>)) {
        self.open(name);
        write(self.out);
        self.close(name);
    }
}

impl Sink for XmlSink<'_> {
    fn str(&mut self, key: &str, value: &str) {
        self.element(key, |out| text(out, value));
    }

    fn str_escaped(&mut self, key: &str, value: &str, _json: &[u8]) {
        self.str(key, value);
    }

    fn text_with(&mut self, key: &str, write: impl FnOnce(&mut Vec<u8>)) {
        self.element(key, write);
    }

    fn int<I: itoa::Integer>(&mut self, key: &str, value: I) {
        self.element(key, |out| int(out, value));
    }

    fn tenths(&mut self, key: &str, value: u64) {
        self.element(key, |out| tenths(out, value));
    }

    fn hours(&mut self, key: &str, minutes: u32) {
        self.element(key, |out| hours(out, minutes));
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.element(key, |out| {
            out.extend_from_slice(if value { b"true" } else { b"false" })
        });
    }

    fn null(&mut self, _key: &str) {}

    fn begin_object(&mut self, key: &str) {
        self.open(key);
    }

    fn end_object(&mut self, key: &str) {
        self.close(key);
    }

    fn begin_array(&mut self, key: &str) {
        self.open(key);
    }

    fn end_array(&mut self, key: &str) {
        self.close(key);
    }

    fn begin_item(&mut self, item: &str) {
        self.open(item);
    }

    fn end_item(&mut self, item: &str) {
        self.close(item);
    }
}

/// Appends `s` as XML character data, escaped by quick-xml (`<`, `>`, `&`).
///
/// XML 1.0 cannot carry most control characters even as references, so those (and the
/// non-characters U+FFFE, U+FFFF) become U+FFFD; a carriage return is written `&#13;` so
/// that it survives end-of-line normalisation. Only scenario text (front names) can
/// contain them.
fn text(out: &mut Vec<u8>, s: &str) {
    let unusual = |b: u8| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0xEF;
    if !s.bytes().any(unusual) {
        out.extend_from_slice(partial_escape(s).as_bytes());
        return;
    }
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let replacement: &[u8] = match c {
            '\r' => b"&#13;",
            '\t' | '\n' => continue,
            '\0'..='\x1f' | '\u{FFFE}' | '\u{FFFF}' => "\u{FFFD}".as_bytes(),
            _ => continue,
        };
        out.extend_from_slice(partial_escape(&s[start..i]).as_bytes());
        out.extend_from_slice(replacement);
        start = i + c.len_utf8();
    }
    out.extend_from_slice(partial_escape(&s[start..]).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn text_is_escaped_and_kept_legal() {
        let mut out = Vec::new();
        text(&mut out, "a < b & \"c\" > d");
        assert_eq!(out, b"a &lt; b &amp; \"c\" &gt; d");
        out.clear();
        text(&mut out, "x\r\ny\u{1}z\t\u{FFFF}<");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "x&#13;\ny\u{FFFD}z\t\u{FFFD}&lt;"
        );
    }
}
