use chrono::NaiveDate;

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn days(list: &[&str]) -> Vec<NaiveDate> {
    list.iter().map(|s| d(s)).collect()
}

fn of(code: &str, year: i32) -> Vec<NaiveDate> {
    HolidayCalendar::parse(code).unwrap().holidays_in(year)
}

#[test]
fn easter_sunday_matches_published_dates() {
    for (year, want) in [
        (1961, "1961-04-02"),
        (2000, "2000-04-23"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2038, "2038-04-25"),
        (2285, "2285-03-22"),
    ] {
        assert_eq!(easter_sunday(year), Some(d(want)), "{year}");
    }
}

#[test]
fn codes_parse_in_any_case_and_unknown_ones_do_not() {
    assert_eq!(HolidayCalendar::parse("gb-sct").unwrap().code(), "GB-SCT");
    assert_eq!(HolidayCalendar::parse(" us ").unwrap().code(), "US");
    for bad in ["", "XX", "UK", "DE-XX", "US-CA", "2024-12-25"] {
        assert_eq!(HolidayCalendar::parse(bad), None, "{bad}");
    }
    assert!(HolidayCalendar::codes().count() >= 28);
}

#[test]
fn us_federal_holidays_of_2024() {
    assert_eq!(
        of("US", 2024),
        days(&[
            "2024-01-01",
            "2024-01-15",
            "2024-02-19",
            "2024-05-27",
            "2024-06-19",
            "2024-07-04",
            "2024-09-02",
            "2024-10-14",
            "2024-11-11",
            "2024-11-28",
            "2024-12-25",
        ])
    );
}

#[test]
fn us_holidays_on_a_weekend_are_also_kept_on_the_nearest_weekday() {
    let us = HolidayCalendar::parse("US").unwrap();
    // 2021: Juneteenth and Christmas on Saturdays, Independence Day on a
    // Sunday, and New Year's Day 2022 on a Saturday (kept on 31 December).
    for day in ["2021-06-18", "2021-07-05", "2021-12-24", "2021-12-31"] {
        assert!(us.is_holiday(d(day)), "{day}");
    }
    assert!(us.is_holiday(d("2022-01-01")));
    assert!(!us.is_holiday(d("2022-01-03")), "not moved to Monday too");
    assert!(!us.is_holiday(d("2020-06-19")), "Juneteenth from 2021");
}

#[test]
fn england_and_wales_2022_with_substitutes_and_one_offs() {
    assert_eq!(
        of("GB", 2022),
        days(&[
            "2022-01-01", // Saturday, kept on Monday 3rd
            "2022-01-03",
            "2022-04-15",
            "2022-04-18",
            "2022-05-02",
            "2022-06-02", // spring holiday moved for the jubilee
            "2022-06-03",
            "2022-08-29",
            "2022-09-19",
            "2022-12-25", // Sunday: Boxing Day stays Monday, Christmas moves to Tuesday
            "2022-12-26",
            "2022-12-27",
        ])
    );
    assert_eq!(of("GB-ENG", 2022), of("GB-WLS", 2022));
}

#[test]
fn scotland_and_northern_ireland_have_their_own_days() {
    let sct = of("GB-SCT", 2022);
    for day in ["2022-01-03", "2022-01-04", "2022-08-01", "2022-11-30"] {
        assert!(sct.contains(&d(day)), "{day}: {sct:?}");
    }
    assert!(!sct.contains(&d("2022-04-18")), "no Easter Monday");
    assert!(!sct.contains(&d("2022-08-29")));
    let nir = of("GB-NIR", 2024);
    assert!(
        nir.contains(&d("2024-03-18")),
        "St Patrick's on a Sunday, kept Monday"
    );
    assert!(nir.contains(&d("2024-07-12")));
}

#[test]
fn christmas_on_a_saturday_moves_both_days_in_the_uk() {
    let gb = of("GB", 2021);
    for day in ["2021-12-25", "2021-12-26", "2021-12-27", "2021-12-28"] {
        assert!(gb.contains(&d(day)), "{day}");
    }
}

#[test]
fn germany_national_and_state_holidays_of_2024() {
    let national = days(&[
        "2024-01-01",
        "2024-03-29",
        "2024-04-01",
        "2024-05-01",
        "2024-05-09",
        "2024-05-20",
        "2024-10-03",
        "2024-12-25",
        "2024-12-26",
    ]);
    assert_eq!(of("DE", 2024), national);
    let mut bavaria = national.clone();
    bavaria.extend(days(&["2024-01-06", "2024-05-30", "2024-11-01"]));
    bavaria.sort();
    assert_eq!(of("DE-BY", 2024), bavaria);
    let saxony = of("DE-SN", 2024);
    assert!(saxony.contains(&d("2024-10-31")));
    assert!(saxony.contains(&d("2024-11-20")), "Buß- und Bettag");
    assert!(of("DE-BE", 2025).contains(&d("2025-05-08")));
    assert!(!of("DE-BE", 2024).contains(&d("2024-05-08")));
    assert!(of("DE-HH", 2018).contains(&d("2018-10-31")));
    assert!(!of("DE-HH", 2016).contains(&d("2016-10-31")));
}

#[test]
fn france_and_alsace_moselle_2024() {
    let fr = days(&[
        "2024-01-01",
        "2024-04-01",
        "2024-05-01",
        "2024-05-08",
        "2024-05-09",
        "2024-05-20",
        "2024-07-14",
        "2024-08-15",
        "2024-11-01",
        "2024-11-11",
        "2024-12-25",
    ]);
    assert_eq!(of("FR", 2024), fr);
    let alsace = of("FR-67", 2024);
    assert!(alsace.contains(&d("2024-03-29")) && alsace.contains(&d("2024-12-26")));
    assert_eq!(alsace.len(), fr.len() + 2);
}

#[test]
fn india_national_days_of_2024() {
    assert_eq!(
        of("IN", 2024),
        days(&[
            "2024-01-26",
            "2024-03-29",
            "2024-08-15",
            "2024-10-02",
            "2024-12-25"
        ])
    );
}

#[test]
fn every_calendar_answers_for_any_year_without_panicking() {
    for code in HolidayCalendar::codes() {
        let cal = HolidayCalendar::parse(code).unwrap();
        for year in [-262_000, 1, 1582, 1900, 2100, 9999, 262_000] {
            let list = cal.holidays_in(year);
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{code} {year}");
        }
        assert!(cal.holidays_in(2024).contains(&d("2024-12-25")), "{code}");
    }
}
