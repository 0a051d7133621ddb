//! A page form that comes back refused: which form of the page (a page can hold several, e.g. an
//! aid plan's action and its review), the field the error belongs to, and the message in the
//! reader's language. Templates show the message next to its field with
//! `{% call forms::error(refused, "patrol", "route") %}` (`templates/forms.html`), or at the top
//! of the form when it belongs to none of the fields shown.

use askama::Template;
use axum::response::Response;

use super::error::AppError;
use super::i18n::{Lang, tf};

#[derive(Clone, Default, Debug)]
pub struct Refused {
    pub form: String,
    pub field: String,
    pub message: String,
}

impl Refused {
    pub fn of(lang: Lang, form: &str, e: Option<&AppError>) -> Self {
        match e {
            None => Refused::default(),
            Some(e) => Refused {
                form: form.to_owned(),
                field: e.field.clone().unwrap_or_default(),
                message: tf(lang, e.key, &e.args),
            },
        }
    }
    /// The error is this form's, on this field (or a part of it: `findings[0].description`
    /// belongs to `findings`).
    pub fn at(&self, form: &str, field: &str) -> bool {
        !self.message.is_empty()
            && self.form == form
            && (self.field == field
                || self
                    .field
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with(['[', '.'])))
    }
    /// The error is this form's but belongs to none of `fields`: it is said at the form's top.
    pub fn top<'a, F: AsRef<[&'a str]>>(&self, form: &str, fields: &F) -> bool {
        !self.message.is_empty()
            && self.form == form
            && !fields.as_ref().iter().any(|f| self.at(form, f))
    }
}

/// Renders a page, answering with the error's status when it comes back refused.
pub fn again<T: Template>(t: &T, err: Option<&AppError>) -> Result<Response, AppError> {
    let mut res = super::web::page(t)?;
    if let Some(e) = err {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_sits_by_its_field_of_its_form() {
        let e = AppError::invalid("findings[1].description", "input.required");
        let r = Refused::of(Lang::ZhCn, "patrol", Some(&e));
        assert!(r.at("patrol", "findings"));
        assert!(!r.at("patrol", "find"));
        assert!(!r.at("meeting", "findings"));
        assert!(!r.top("patrol", &["findings", "route"].as_slice()));
        assert!(r.top("patrol", &["route"].as_slice()));
        assert!(!Refused::default().at("patrol", ""));
    }
}
