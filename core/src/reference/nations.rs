//! The 32 NATO member nations: names by gender and service-number formats.

/// One NATO member nation.
#[derive(Debug)]
pub struct Nation {
    /// ISO 3166-1 alpha-3 code, e.g. `"POL"`.
    pub code: &'static str,
    /// English short name, e.g. `"Poland"`.
    pub name: &'static str,
    /// Male given names (distinct).
    pub given_male: &'static [&'static str],
    /// Female given names (distinct).
    pub given_female: &'static [&'static str],
    /// Family names in their masculine (or only) form (distinct).
    pub family_male: &'static [&'static str],
    /// Family names in their feminine form, index-aligned with `family_male`
    /// (equal to it for languages without gendered surnames).
    pub family_female: &'static [&'static str],
    /// Service-number pattern: `9` is a random digit, `A` a random capital letter,
    /// anything else is copied literally.
    pub service_number: &'static str,
}

/// The 32 NATO member nations, sorted by code.
pub static NATIONS: &[Nation] = &[];
