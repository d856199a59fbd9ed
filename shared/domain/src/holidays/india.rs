//! India: the three national holidays and the central government's
//! compulsory holidays that follow the Gregorian calendar (Good Friday,
//! Christmas). Festivals dated by the lunar calendars (Diwali, Holi, Eid,
//! …) are announced each year: give them to the strategy as dates.

use chrono::NaiveDate;

use super::{date, easter};

pub(super) fn holidays(year: i32, out: &mut Vec<NaiveDate>) {
    out.extend(date(year, 1, 26).filter(|_| year >= 1950)); // Republic Day
    out.extend(easter(year, -2)); // Good Friday
    out.extend(date(year, 8, 15).filter(|_| year >= 1947)); // Independence Day
    out.extend(date(year, 10, 2)); // Gandhi Jayanti
    out.extend(date(year, 12, 25)); // Christmas
}
