//! Where a schema that does not compile went wrong: the `$ref`s naming a resource the compiler
//! could not find, by file and JSON pointer, so a diagnostic points at the line to fix. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

/// `file: at POINTER` for every `$ref` in `docs` whose target (without its fragment) appears in
/// the compiler's `message`; `displays` maps a document's name to the path shown.
pub(super) fn unresolved_refs(
    docs: &BTreeMap<String, Value>,
    displays: &BTreeMap<String, String>,
    message: &str,
) -> Vec<String> {
    let mut found = Vec::new();
    for (name, doc) in docs {
        let display = displays.get(name).map_or(name.as_str(), String::as_str);
        // Iterative: a schema file is input, and input never gets to choose our stack depth.
        let mut pending: Vec<(String, &Value)> = vec![(String::new(), doc)];
        while let Some((pointer, value)) = pending.pop() {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let resource = target.split('#').next().unwrap_or_default();
                        if !resource.is_empty() && message.contains(resource) {
                            found.push(format!("{display}: at {pointer}/$ref"));
                        }
                    }
                    for (key, child) in map {
                        let token = key.replace('~', "~0").replace('/', "~1");
                        pending.push((format!("{pointer}/{token}"), child));
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        pending.push((format!("{pointer}/{i}"), child));
                    }
                }
                _ => {}
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_missing_reference_is_found_by_pointer() {
        let docs = BTreeMap::from([(
            "request.schema.json".to_owned(),
            json!({"properties": {"agentIds": {"items": {"$ref": "gone.schema.json#/x"}},
                                  "ok": {"$ref": "agent-id.schema.json"}}}),
        )]);
        let displays = BTreeMap::new();
        let found = unresolved_refs(
            &docs,
            &displays,
            "Resource 'file:///s/gone.schema.json' ...",
        );
        assert_eq!(
            found,
            ["request.schema.json: at /properties/agentIds/items/$ref"]
        );
    }
}
