//! Checking a profile's `rules` array (`[[rules]]` blocks or an inline
//! array of tables).

use toml::de::DeValue;
use toml::Spanned;

use super::{MatchKey, Pattern, Rule};
use crate::glob::{Glob, GlobError};
use crate::layer_a::{self, LayerAOverrides};
use crate::{in_file_order, Context, ProfileError, RulePart, Section};

/// Checks the value of the top-level `rules` key.
pub(crate) fn parse(
    ctx: &Context<'_>,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<Rule>, ProfileError> {
    let DeValue::Array(items) = value.get_ref() else {
        let expected = "an array of tables: write each rule as a [[rules]] block";
        return Err(ctx.wrong_type(Section::TopLevel, "rules", expected, value));
    };
    // Rule numbers count from 1, as the user does; a file with more than
    // u32::MAX rules cannot be read in the first place.
    (1..)
        .zip(items.iter())
        .map(|(number, item)| parse_rule(ctx, number, item))
        .collect()
}

/// Checks rule number `number` (from 1).
fn parse_rule(
    ctx: &Context<'_>,
    number: u32,
    item: &Spanned<DeValue<'_>>,
) -> Result<Rule, ProfileError> {
    let section = Section::Rule(number);
    let DeValue::Table(table) = item.get_ref() else {
        let expected = r#"a table, like { app = "firefox", route = "processed" }"#;
        return Err(ctx.wrong_type(section, "rules", expected, item));
    };
    let mut conditions = Vec::new();
    let mut route = None;
    let mut overrides = LayerAOverrides::default();
    for (key, value) in in_file_order(table) {
        let name: &str = key.get_ref().as_ref();
        if let Some(match_key) = MatchKey::from_key(name) {
            conditions.push((match_key, pattern(ctx, section, match_key, value)?));
            continue;
        }
        match name {
            "route" => route = Some(ctx.route(section, "route", value)?),
            "layer_a" => overrides = layer_a::parse(ctx, Section::RuleLayerA(number), value)?,
            _ => return Err(ctx.unknown_key(section, key)),
        }
    }
    let at = ctx.at(item.span().start);
    let incomplete = |missing| ProfileError::IncompleteRule {
        at: at.clone(),
        rule: number,
        missing,
    };
    if conditions.is_empty() {
        return Err(incomplete(RulePart::MatchKey));
    }
    let Some(route) = route else {
        return Err(incomplete(RulePart::Route));
    };
    Ok(Rule {
        conditions,
        route,
        layer_a: overrides,
        at: Some(at),
    })
}

/// Checks a match key's value: a glob string or a non-empty array of them.
fn pattern(
    ctx: &Context<'_>,
    section: Section,
    key: MatchKey,
    value: &Spanned<DeValue<'_>>,
) -> Result<Pattern, ProfileError> {
    let field = key.key();
    let expected = "a pattern string or a non-empty array of them";
    let glob = |item: &Spanned<DeValue<'_>>| {
        let DeValue::String(text) = item.get_ref() else {
            return Err(ctx.wrong_type(section, field, expected, item));
        };
        Glob::new(text).map_err(|error| ProfileError::BadPattern {
            // An empty string has no inside to point at.
            at: match error {
                GlobError::Empty => ctx.at(item.span().start),
                _ => ctx.at_in_string(item, error.offset()),
            },
            section,
            field,
            pattern: text.to_string(),
            error,
        })
    };
    let globs = match value.get_ref() {
        DeValue::String(_) => vec![glob(value)?],
        DeValue::Array(items) => items.iter().map(glob).collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    Pattern::new(globs).ok_or_else(|| ctx.wrong_type(section, field, expected, value))
}
