//! Python's text forms of numbers, strings and timestamps, which Locust's
//! outputs and error keys are made of.

/// Python's `repr(float)` (also `str(float)`): the shortest digits that round-trip,
/// in fixed notation for exponents -4..16 (`312.0`, `0.0001`) and scientific
/// notation otherwise (`1e-05`, `1.5e+16`).
pub fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // `{:e}` gives the shortest round-trip digits, e.g. "-1.2345e-7".
    let sci = format!("{x:e}");
    let (neg, rest) = match sci.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, sci.as_str()),
    };
    let (mantissa, exp) = rest.split_once('e').unwrap_or((rest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    }
    out
}

/// Python's `"%.{prec}f" % x`: correctly rounded, exact ties to even.
pub fn python_format_f(x: f64, prec: usize) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    format!("{x:.prec$}")
}

/// Python's `round(x, ndigits)` for a float and ndigits >= 0 (returns a float).
pub fn python_round(x: f64, ndigits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.ndigits$}").parse().unwrap_or(x)
}

/// Python's `round(x)` to an integer (ties to even).
pub fn python_round_int(x: f64) -> i64 {
    x.round_ties_even() as i64
}

/// Python's `int(round(x, -digits))` for a float: rounds to a multiple of
/// 10^digits, deciding ties on the exact binary value like CPython does.
pub fn python_round_to_power_of_ten(x: f64, digits: u32) -> i64 {
    let step = 10f64.powi(digits as i32);
    // A first guess, corrected so that lo <= x < lo + step holds exactly.
    let mut lo = (x / step).floor() * step;
    if lo > x {
        lo -= step;
    } else if x - lo >= step {
        lo += step;
    }
    let rem = x - lo;
    let half = step / 2.0;
    let rounded = if rem < half {
        lo
    } else if rem > half {
        lo + step
    } else if ((lo / step) as i64) % 2 == 0 {
        lo
    } else {
        lo + step
    };
    rounded as i64
}

/// Locust's `proper_round(val, digits)`: nudges the value up by a tiny amount
/// (so ties go up) before Python's round; always a float.
pub fn proper_round(val: f64, digits: usize) -> f64 {
    let len = python_float_repr(val).len() as f64;
    python_round(val + 10f64.powf(-len - 1.0), digits)
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`;
/// backslash escapes for the quote, `\\`, `\t`, `\n`, `\r`, and `\x`/`\u`/`\U`
/// for characters Python does not consider printable.
pub fn python_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let v = c as u32;
                if v <= 0xff {
                    out.push_str(&format!("\\x{v:02x}"));
                } else if v <= 0xffff {
                    out.push_str(&format!("\\u{v:04x}"));
                } else {
                    out.push_str(&format!("\\U{v:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// Reads back a string literal as written by Python's `repr` (`'a\'b'`, `"it's"`).
/// `None` when the text is not such a literal.
pub fn parse_python_str_literal(lit: &str) -> Option<String> {
    let quote = lit.chars().next()?;
    if (quote != '\'' && quote != '"') || lit.len() < 2 || !lit.ends_with(quote) {
        return None;
    }
    let body = &lit[1..lit.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == quote {
            return None;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        let hex_len = match e {
            '\\' | '\'' | '"' => {
                out.push(e);
                continue;
            }
            'n' => {
                out.push('\n');
                continue;
            }
            'r' => {
                out.push('\r');
                continue;
            }
            't' => {
                out.push('\t');
                continue;
            }
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => return None,
        };
        let hex: String = chars.by_ref().take(hex_len).collect();
        if hex.len() != hex_len {
            return None;
        }
        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
    }
    Some(out)
}

/// Python's `str.isprintable` for one character, from the Unicode categories
/// it excludes (controls, format characters, separators other than the ASCII
/// space, private use, non-characters). Unassigned code points are taken as
/// printable, which Python's newer Unicode tables may disagree with.
fn is_printable(c: char) -> bool {
    let v = c as u32;
    if (0x20..0x7f).contains(&v) {
        return true;
    }
    if v < 0xa0 {
        return false;
    }
    let nonprintable = matches!(v,
        0xa0 | 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890 | 0x891 | 0x8e2
        | 0x1680 | 0x180e | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064
        | 0x2066..=0x206f | 0x3000 | 0xd800..=0xf8ff | 0xfdd0..=0xfdef | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f | 0xf0000..=0x10ffff);
    !nonprintable && (v & 0xfffe) != 0xfffe
}

/// Locust's `format_utc_timestamp`: `%Y-%m-%dT%H:%M:%SZ` of the whole seconds.
pub fn format_utc_timestamp(ts: f64) -> String {
    let secs = ts.trunc() as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values below come from Python 3.11 (repr, round, '%.2f').
    #[test]
    fn float_repr_matches_python() {
        let cases: &[(f64, &str)] = &[
            (312.0, "312.0"),
            (0.1, "0.1"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (2.5219519999950535, "2.5219519999950535"),
            (1795309342.4391463, "1795309342.4391463"),
            (-1.25e-7, "-1.25e-07"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
            (506.28125, "506.28125"),
        ];
        for (x, want) in cases {
            assert_eq!(python_float_repr(*x), *want, "repr of {x:e}");
        }
    }

    #[test]
    fn rounding_matches_python() {
        assert_eq!(python_format_f(0.125, 2), "0.12");
        assert_eq!(python_format_f(2.5, 0), "2");
        assert_eq!(python_format_f(22.22222, 2), "22.22");
        assert_eq!(python_round(2.675, 2), 2.67);
        assert_eq!(python_round_int(2.5), 2);
        assert_eq!(python_round_int(3.5), 4);
        assert_eq!(python_round_int(-0.5), 0);
        // round(145, -1), round(155, -1), round(1450, -2), round(1550, -2),
        // round(14500, -3), round(15500, -3), round(144.99999999999997, -1)
        assert_eq!(python_round_to_power_of_ten(145.0, 1), 140);
        assert_eq!(python_round_to_power_of_ten(155.0, 1), 160);
        assert_eq!(python_round_to_power_of_ten(1450.0, 2), 1400);
        assert_eq!(python_round_to_power_of_ten(1550.0, 2), 1600);
        assert_eq!(python_round_to_power_of_ten(14500.0, 3), 14000);
        assert_eq!(python_round_to_power_of_ten(15500.0, 3), 16000);
        assert_eq!(python_round_to_power_of_ten(144.99999999999997, 1), 140);
        assert_eq!(python_round_to_power_of_ten(145.00000000000003, 1), 150);
        assert_eq!(python_round_to_power_of_ten(999.5, 1), 1000);
        // proper_round(2.675, 2) == 2.68, proper_round(0.5) == 1.0, proper_round(7.125, 2) == 7.13
        assert_eq!(proper_round(2.675, 2), 2.68);
        assert_eq!(proper_round(0.5, 0), 1.0);
        assert_eq!(proper_round(7.125, 2), 7.13);
    }

    #[test]
    fn repr_str_matches_python() {
        let cases: &[(&str, &str)] = &[
            ("plain", "'plain'"),
            ("it's", "\"it's\""),
            ("say \"hi\"", "'say \"hi\"'"),
            ("both ' and \"", "'both \\' and \"'"),
            ("back\\slash", "'back\\\\slash'"),
            ("tab\tnl\ncr\r", "'tab\\tnl\\ncr\\r'"),
            ("\u{0}\u{7f}\u{85}\u{a0}", "'\\x00\\x7f\\x85\\xa0'"),
            ("héllo ü 日本 🎉", "'héllo ü 日本 🎉'"),
            (
                "\u{200b}\u{2028}\u{feff}\u{e000}",
                "'\\u200b\\u2028\\ufeff\\ue000'",
            ),
            ("\u{10ffff}", "'\\U0010ffff'"),
        ];
        for (s, want) in cases {
            assert_eq!(python_repr_str(s), *want, "repr of {s:?}");
            assert_eq!(parse_python_str_literal(want).as_deref(), Some(*s));
        }
        assert_eq!(parse_python_str_literal("'unterminated"), None);
        assert_eq!(parse_python_str_literal("'a'b'"), None);
        assert_eq!(parse_python_str_literal("None"), None);
    }

    #[test]
    fn utc_timestamps() {
        assert_eq!(format_utc_timestamp(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc_timestamp(1795309338.9), "2026-11-22T01:02:18Z");
        assert_eq!(format_utc_timestamp(951782400.0), "2000-02-29T00:00:00Z");
    }
}
