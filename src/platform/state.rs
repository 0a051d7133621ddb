//! Workflow states as types. `workflow_state!` declares an enum whose variants are stored as
//! text: it reads from and binds into SQL (both backends, through `Any`), serializes as the
//! same word, and documents itself in the OpenAPI. A transition then reads
//!
//! ```ignore
//! let done = sqlx::query("UPDATE appraisals SET status = $1 WHERE id = $2 AND status = $3")
//!     .bind(AppraisalStatus::Closed).bind(id).bind(AppraisalStatus::Open)
//!     .execute(&mut *tx).await?.rows_affected();
//! state::moved(done, "appraisal.closed")?;
//! ```
//!
//! so an unknown state in the database is an error, not a silent `else` branch.

use crate::platform::db::Tx;
use crate::platform::error::AppError;

/// A stored word that names no state of the enum reading it.
#[derive(Debug)]
pub struct UnknownState {
    pub of: &'static str,
    pub word: String,
}

impl std::fmt::Display for UnknownState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} has no state {:?}", self.of, self.word)
    }
}

impl std::error::Error for UnknownState {}

/// A guarded update changed `rows` rows: exactly one, or the state it left from no longer
/// held (someone else got there first) and the write answers 409 with `key`.
pub fn moved(rows: u64, key: &'static str) -> Result<(), AppError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(AppError::conflict(key))
    }
}

/// Holds row `id` of `table` in the state `status` for the rest of the transaction, or answers
/// 409 with `key` when it is no longer there: a no-op guarded update, which on PostgreSQL also
/// makes a concurrent transition wait for this one and then find the state gone. For a
/// transition whose own update sets several columns in more than one statement.
pub async fn hold(
    tx: &mut Tx,
    table: &'static str,
    id: i64,
    status: &str,
    key: &'static str,
) -> Result<(), AppError> {
    let rows = sqlx::query(&format!(
        "UPDATE {table} SET status = status WHERE id = $1 AND status = $2"
    ))
    .bind(id)
    .bind(status)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    moved(rows, key)
}

/// Declares a workflow state enum stored as text. See the module documentation.
#[macro_export]
macro_rules! workflow_state {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant),+
        }

        // Written by hand: utoipa's derive cannot read a `rename` given through a macro and
        // would document the variants' Rust names instead of the words sent.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .enum_values(Some([$($word),+]))
                    .description(Some(concat!("One of: ", $($word, " "),+)))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            /// Every state, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored in the database and sent in JSON.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::platform::state::UnknownState;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err($crate::platform::state::UnknownState {
                        of: stringify!($name),
                        word: s.to_owned(),
                    }),
                }
            }
        }

        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <str as sqlx::Type<sqlx::Any>>::type_info()
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Any>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let word = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok(word.parse::<$name>()?)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::workflow_state! {
        /// A test state.
        enum Light { Red = "red", Green = "green" }
    }

    #[test]
    fn words_round_trip_and_unknown_words_are_refused() {
        for l in Light::ALL {
            assert_eq!(l.as_str().parse::<Light>().unwrap(), *l);
            assert_eq!(serde_json::to_string(l).unwrap(), format!("\"{l}\""));
        }
        let e = "amber".parse::<Light>().unwrap_err();
        assert_eq!(e.to_string(), "Light has no state \"amber\"");
        assert!(super::moved(0, "x.y").is_err());
        assert!(super::moved(2, "x.y").is_err());
        assert!(super::moved(1, "x.y").is_ok());
    }
}
