//! Time: every instant is stored in UTC as fixed-width RFC 3339 text (sortable on both backends)
//! and shown in Asia/Shanghai.

use std::sync::LazyLock;

use jiff::{Timestamp, civil::Date, tz::TimeZone};

use super::i18n::Lang;

static SHANGHAI: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get("Asia/Shanghai").expect("bundled tz database has Asia/Shanghai")
});

/// The zone every date and time is shown in.
pub fn shanghai() -> &'static TimeZone {
    &SHANGHAI
}

pub fn now() -> Timestamp {
    Timestamp::now()
}

/// The storage form of an instant: `2026-11-26T03:16:50.123456Z`, always the same width.
pub fn to_db(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
}

pub fn now_db() -> String {
    to_db(now())
}

pub fn from_db(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// Today's civil date in Asia/Shanghai.
/// A day typed by a user (a form field or a query parameter): an ISO date from 1900 to 2199.
/// Anything else is a 422 naming the field (a day like 9999-12-31 has no next day to count to,
/// and no record of a residents' committee lies outside that span).
pub fn parse_day(field: &'static str, s: &str) -> Result<Date, super::error::AppError> {
    let d = s.trim().parse::<Date>().map_err(|_| {
        super::error::AppError::invalid(field, "input.bad_date").arg("field", field)
    })?;
    if !(jiff::civil::date(1900, 1, 1)..=jiff::civil::date(2199, 12, 31)).contains(&d) {
        return Err(super::error::AppError::invalid(field, "error.date_range").arg("field", field));
    }
    Ok(d)
}

pub fn today() -> Date {
    now().to_zoned_datetime(shanghai().clone()).date()
}

/// An instant as the user reads it: `2026年11月26日 11:16` or `2026-11-26 11:16`, Asia/Shanghai.
pub fn show(ts: Timestamp, lang: Lang) -> String {
    let z = ts.to_zoned_datetime(shanghai().clone());
    match lang {
        Lang::ZhCn => z.strftime("%Y年%-m月%-d日 %H:%M").to_string(),
        Lang::En => z.strftime("%Y-%m-%d %H:%M").to_string(),
    }
}

/// A stored instant shown to the user; unreadable values are shown as they are.
pub fn show_db(s: &str, lang: Lang) -> String {
    from_db(s)
        .map(|ts| show(ts, lang))
        .unwrap_or_else(|| s.to_owned())
}

/// A civil date as the user reads it: `2026年11月26日` or `2026-11-26`.
pub fn show_date(d: Date, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => d.strftime("%Y年%-m月%-d日").to_string(),
        Lang::En => d.to_string(),
    }
}

/// An instant with its zone, for APIs: `2026-11-26T11:16:50+08:00`.
pub fn rfc3339_shanghai(ts: Timestamp) -> String {
    ts.to_zoned_datetime(shanghai().clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// An instant as a user or client gives it: RFC 3339 with its offset, or a civil date-time
/// (`2026-12-03T19:30`, as `<input type=datetime-local>` sends it) read in Asia/Shanghai.
pub fn parse_when(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    let dt = s.parse::<jiff::civil::DateTime>().ok()?;
    dt.to_zoned_datetime(shanghai().clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The first instant of a civil date in Asia/Shanghai, as stored.
pub fn day_start_db(d: Date) -> String {
    d.to_zoned_datetime(shanghai().clone())
        .map(|z| to_db(z.timestamp()))
        .unwrap_or_default()
}

/// An instant as every JSON answer carries it: RFC 3339 in Asia/Shanghai
/// (`2026-11-26T11:16:50+08:00`), read from its stored form (`to_db`). One time format for
/// the whole API; pages show it with `Tr::at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub Timestamp);

impl Instant {
    pub fn now() -> Self {
        Instant(now())
    }
    /// As the user reads it: `2026年11月26日 11:16`.
    pub fn show(self, lang: Lang) -> String {
        show(self.0, lang)
    }
}

impl serde::Serialize for Instant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339_shanghai(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Instant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map(Instant).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Instant {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples(["2026-12-10T19:30:00+08:00"])
            .into()
    }
}

impl utoipa::ToSchema for Instant {}

impl sqlx::Type<sqlx::Any> for Instant {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <str as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Instant {
    fn decode(
        value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
    ) -> Result<Self, sqlx::error::BoxDynError> {
        let stored = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
        Ok(Instant(stored.parse::<Timestamp>()?))
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for Instant {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <String as sqlx::Encode<'q, sqlx::Any>>::encode(to_db(self.0), buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_form_is_fixed_width_and_round_trips() {
        let ts: Timestamp = "2026-11-26T03:16:50Z".parse().unwrap();
        let s = to_db(ts);
        assert_eq!(s, "2026-11-26T03:16:50.000000Z");
        assert_eq!(from_db(&s), Some(ts));
    }

    #[test]
    fn shown_in_shanghai() {
        let ts: Timestamp = "2026-11-26T17:30:00Z".parse().unwrap();
        assert_eq!(show(ts, Lang::ZhCn), "2026年11月27日 01:30");
        assert_eq!(
            show_date(jiff::civil::date(2026, 1, 5), Lang::ZhCn),
            "2026年1月5日"
        );
        assert_eq!(show(ts, Lang::En), "2026-11-27 01:30");
        assert_eq!(rfc3339_shanghai(ts), "2026-11-27T01:30:00+08:00");
    }
}
