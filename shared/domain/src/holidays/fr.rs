//! France: the jours fériés of the Code du travail (art. L3133-1), and in
//! Alsace-Moselle (Moselle, Bas-Rhin, Haut-Rhin) also Good Friday and
//! 26 December; a holiday on a weekend is not moved.

use chrono::NaiveDate;

use super::{date, easter};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Region {
    Metropolitan,
    AlsaceMoselle,
}

pub(super) fn holidays(year: i32, region: Region, out: &mut Vec<NaiveDate>) {
    out.extend(date(year, 1, 1)); // Jour de l'an
    out.extend(easter(year, 1)); // Lundi de Pâques
    out.extend(date(year, 5, 1)); // Fête du Travail
    out.extend(date(year, 5, 8).filter(|_| year >= 1982)); // Victoire 1945
    out.extend(easter(year, 39)); // Ascension
    out.extend(easter(year, 50)); // Lundi de Pentecôte
    out.extend(date(year, 7, 14)); // Fête nationale
    out.extend(date(year, 8, 15)); // Assomption
    out.extend(date(year, 11, 1)); // Toussaint
    out.extend(date(year, 11, 11)); // Armistice
    out.extend(date(year, 12, 25)); // Noël
    if region == Region::AlsaceMoselle {
        out.extend(easter(year, -2)); // Vendredi saint
        out.extend(date(year, 12, 26)); // Saint-Étienne
    }
}
