//! Parsers for the quantities flags and fault specs are written in: durations (`10s`),
//! sizes (`32MiB`) and rates (`20/s`). Pure; each error says what would have been accepted, as
//! clap prints it after the flag's name. And the one way a message writes an instant given in
//! epoch milliseconds ([`epoch_ms`]).

use std::time::Duration;

/// Parses `10s`, `500ms`, `15m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (try 10s, 500ms, 15m)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?} (use ms, s, m or h)"
            ));
        }
    };
    if !seconds.is_finite() || seconds > 1e9 {
        return Err(format!("{text:?} is too long a duration"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses `32MiB`, `1MB`, `64KiB`, `1048576`.
pub fn parse_size(text: &str) -> std::result::Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (try 32MiB, 512KiB, 1000000)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?}")),
    };
    value
        .checked_mul(factor)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// Parses `20/s`, `20` (per second) or `600/m`.
pub fn parse_rate(text: &str) -> std::result::Result<f64, String> {
    let (number, per) = text.split_once('/').unwrap_or((text, "s"));
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a rate (try 20/s)"))?;
    let per_second = match per.trim() {
        "s" => value,
        "m" | "min" => value / 60.0,
        other => return Err(format!("unknown rate unit {other:?} (use /s or /m)")),
    };
    if per_second.is_finite() && per_second > 0.0 {
        Ok(per_second)
    } else {
        Err(format!("{text:?}: a rate must be positive"))
    }
}

/// Runs of consecutive IDs in the order given: `[101, 102, 103, 105]` → `[(101, 103), (105, 105)]`.
pub fn id_runs(ids: impl IntoIterator<Item = i64>) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for id in ids {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(id) => *end = id,
            _ => runs.push((id, id)),
        }
    }
    runs
}

/// One run of [`id_runs`] as written: `101-103`, or `105` alone.
pub fn id_run_text(&(start, end): &(i64, i64)) -> String {
    if start == end {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
}

/// An instant in milliseconds since the epoch as a message writes it: the number the server
/// sent and the UTC time it names, `1796746457428 (2026-12-08T16:14:17.428Z)`. The not-signed-in
/// sentinel reads `4294967295000 (2106-02-07T06:28:15.000Z)`; a number no calendar holds is
/// written alone.
pub fn epoch_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(time) => format!(
            "{ms} ({})",
            time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ),
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_carries_its_number_and_its_utc_time() {
        assert_eq!(
            epoch_ms(1_796_746_457_428),
            "1796746457428 (2026-12-08T16:14:17.428Z)"
        );
        assert_eq!(
            epoch_ms(4_294_967_295_000),
            "4294967295000 (2106-02-07T06:28:15.000Z)"
        );
        assert_eq!(epoch_ms(0), "0 (1970-01-01T00:00:00.000Z)");
        assert_eq!(epoch_ms(-1), "-1 (1969-12-31T23:59:59.999Z)");
        assert_eq!(epoch_ms(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn durations_take_ms_s_m_h_or_bare_seconds() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("15min").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(
            parse_duration(" 1.5s ").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
    }

    #[test]
    fn durations_refuse_words_unknown_units_and_overflow() {
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(
            parse_duration("5d")
                .unwrap_err()
                .contains("unknown duration unit")
        );
        assert!(parse_duration("1e308h").is_err());
        assert!(parse_duration("99999999999h").is_err());
    }

    #[test]
    fn sizes_take_decimal_and_binary_units_in_any_case() {
        assert_eq!(parse_size("32MiB").unwrap(), 32 << 20);
        assert_eq!(parse_size("1mb").unwrap(), 1_000_000);
        assert_eq!(parse_size("64KiB").unwrap(), 64 << 10);
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert_eq!(parse_size("7b").unwrap(), 7);
    }

    #[test]
    fn sizes_refuse_fractions_unknown_units_and_overflow() {
        assert!(parse_size("1.5MiB").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(
            parse_size("3TiB")
                .unwrap_err()
                .contains("unknown size unit")
        );
        assert!(parse_size("99999999999999999999GiB").is_err());
        assert!(parse_size("18446744073709551615GiB").is_err());
    }

    #[test]
    fn rates_are_per_second_or_per_minute_and_positive() {
        assert_eq!(parse_rate("20/s").unwrap(), 20.0);
        assert_eq!(parse_rate("20").unwrap(), 20.0);
        assert_eq!(parse_rate("600/m").unwrap(), 10.0);
        assert_eq!(parse_rate(" 3 / min ").unwrap(), 0.05);
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("-1/s").is_err());
        assert!(parse_rate("inf").is_err());
        assert!(parse_rate("NaN").is_err());
        assert!(parse_rate("5/h").unwrap_err().contains("unknown rate unit"));
    }

    #[test]
    fn ids_fold_into_runs_in_the_order_given() {
        let runs = id_runs([101, 102, 103, 105, 104, i64::MAX]);
        assert_eq!(
            runs,
            [(101, 103), (105, 105), (104, 104), (i64::MAX, i64::MAX)]
        );
        let written: Vec<String> = runs.iter().map(id_run_text).collect();
        assert_eq!(written, ["101-103", "105", "104", &i64::MAX.to_string()]);
        assert!(id_runs([]).is_empty());
    }
}
