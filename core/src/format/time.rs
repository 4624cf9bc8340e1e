//! Calendar arithmetic for rendering: Unix seconds to ISO 8601 text, without allocation.
//!
//! Civil-from-days is Howard Hinnant's algorithm (public domain), valid for the whole
//! proleptic Gregorian calendar.

/// `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// Appends `YYYY-MM-DD` for a day count since 1970-01-01.
pub fn write_date(out: &mut Vec<u8>, days: i64) {
    let (y, m, d) = civil_from_days(days);
    let y = y.clamp(0, 9999) as u32;
    push2(out, y / 100);
    push2(out, y % 100);
    out.push(b'-');
    push2(out, m);
    out.push(b'-');
    push2(out, d);
}

/// Appends `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
pub fn write_timestamp(out: &mut Vec<u8>, unix: i64) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400) as u32;
    write_date(out, days);
    out.push(b'T');
    push2(out, secs / 3600);
    out.push(b':');
    push2(out, secs / 60 % 60);
    out.push(b':');
    push2(out, secs % 60);
    out.push(b'Z');
}

/// Completed years between two day counts (age on `on` of someone born on `born`).
pub fn years_between(born: i64, on: i64) -> u32 {
    let (by, bm, bd) = civil_from_days(born);
    let (y, m, d) = civil_from_days(on);
    let mut years = y - by;
    if (m, d) < (bm, bd) {
        years -= 1;
    }
    years.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let mut out = Vec::new();
        write_timestamp(&mut out, 1_748_736_000); // 2025-06-01T00:00:00Z
        write_date(&mut out, 11_016); // 2000-02-29
        write_timestamp(&mut out, 951_782_399); // 2000-02-28T23:59:59Z
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2025-06-01T00:00:00Z2000-02-292000-02-28T23:59:59Z"
        );
        assert_eq!(years_between(11_016, 11_016 + 365), 0);
        assert_eq!(years_between(11_016, 11_016 + 366), 1);
    }
}
