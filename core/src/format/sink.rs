//! A tree of named values, written once and rendered by several formats.
//!
//! The patient record is described once, as calls on a [`Sink`] (keys, scalars, objects,
//! arrays); [`JsonSink`] renders it as JSON and the XML sink as elements, so both formats
//! carry the same names in the same order by construction.

use super::json_out::{self, hours, int, string, tenths};

/// Receives a record as a sequence of named values.
///
/// Objects and arrays are opened and closed explicitly; the name is repeated on close so
/// that sinks need no stack. Array items carry an item name (`condition`, `event`, …)
/// that formats with named elements use and JSON ignores.
pub(crate) trait Sink {
    /// A string value.
    fn str(&mut self, key: &str, value: &str);
    /// A string value that the JSON sink has already escaped (`json` is the quoted JSON
    /// string of `value`).
    fn str_escaped(&mut self, key: &str, value: &str, json: &[u8]);
    /// Text produced by `write`, which must need no escaping in any format (ASCII letters,
    /// digits, `_`, `-`, `:` and spaces): dates, timestamps, composed identifiers.
    fn text_with(&mut self, key: &str, write: impl FnOnce(&mut Vec<u8>));
    /// An integer.
    fn int<I: itoa::Integer>(&mut self, key: &str, value: I);
    /// A decimal given in tenths, written with one decimal.
    fn tenths(&mut self, key: &str, value: u64);
    /// A duration of `minutes`, written as hours with one decimal, rounded half up.
    fn hours(&mut self, key: &str, minutes: u32);
    /// A boolean.
    fn bool(&mut self, key: &str, value: bool);
    /// No value.
    fn null(&mut self, key: &str);
    /// Opens a nested object.
    fn begin_object(&mut self, key: &str);
    /// Closes the object opened by [`begin_object`](Self::begin_object) with the same key.
    fn end_object(&mut self, key: &str);
    /// Opens an array.
    fn begin_array(&mut self, key: &str);
    /// Closes the array opened by [`begin_array`](Self::begin_array) with the same key.
    fn end_array(&mut self, key: &str);
    /// Opens an object inside an array; `item` names one element of the array.
    fn begin_item(&mut self, item: &str);
    /// Closes the item opened by [`begin_item`](Self::begin_item) with the same name.
    fn end_item(&mut self, item: &str);
}

/// Renders values as the members of a JSON object (the caller writes the outer braces).
pub(crate) struct JsonSink<'a> {
    out: &'a mut Vec<u8>,
    /// Whether the next value is the first of its object or array (no comma before it).
    first: bool,
}

impl<'a> JsonSink<'a> {
    /// A sink appending members to `out`, just after an opening `{`.
    pub(crate) fn new(out: &'a mut Vec<u8>) -> JsonSink<'a> {
        JsonSink { out, first: true }
    }

    fn key(&mut self, key: &str) {
        json_out::key(self.out, self.first, key);
        self.first = false;
    }

    fn open(&mut self, key: &str, bracket: u8) {
        self.key(key);
        self.out.push(bracket);
        self.first = true;
    }

    fn close(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.first = false;
    }
}

impl Sink for JsonSink<'_> {
    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        string(self.out, value);
    }

    fn str_escaped(&mut self, key: &str, _value: &str, json: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(json);
    }

    fn text_with(&mut self, key: &str, write: impl FnOnce(&mut Vec<u8>)) {
        self.key(key);
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
    }

    fn int<I: itoa::Integer>(&mut self, key: &str, value: I) {
        self.key(key);
        int(self.out, value);
    }

    fn tenths(&mut self, key: &str, value: u64) {
        self.key(key);
        tenths(self.out, value);
    }

    fn hours(&mut self, key: &str, minutes: u32) {
        self.key(key);
        hours(self.out, minutes);
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn null(&mut self, key: &str) {
        self.key(key);
        self.out.extend_from_slice(b"null");
    }

    fn begin_object(&mut self, key: &str) {
        self.open(key, b'{');
    }

    fn end_object(&mut self, _key: &str) {
        self.close(b'}');
    }

    fn begin_array(&mut self, key: &str) {
        self.open(key, b'[');
    }

    fn end_array(&mut self, _key: &str) {
        self.close(b']');
    }

    fn begin_item(&mut self, _item: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.out.push(b'{');
        self.first = true;
    }

    fn end_item(&mut self, _item: &str) {
        self.close(b'}');
    }
}
