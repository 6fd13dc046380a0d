//! The one gate every GraphQL request passes before it is parsed by the schema, validated,
//! authenticated or run, over HTTP and WebSocket alike.
//!
//! In order, each step bounded by the size of the text:
//! 1. size of the query text and of the batch;
//! 2. nesting of brackets, braces and parentheses, counted by a scan of the text (no
//!    recursion), so the recursive parser never sees a document that could overflow its stack;
//! 3. the parsed document, walked once per fragment (memoised, so a fragment spread six times
//!    on each of ten levels costs ten walks, not 6^10): selection depth, every field counted
//!    after fragment expansion (`__typename` too), aliases, directives, and a cost that
//!    multiplies by list sizes (a list counts as its `first` argument, or `graphql.max_page`,
//!    or [`SMALL_LIST`] for lists without paging);
//! 4. every enum value given in an argument (literally or through a variable, inside input
//!    objects and lists) is one of its enum's, or the refusal names the valid ones;
//! 5. introspection when it is off, and the per-token mutation rate, counting every top-level
//!    mutation field through any depth of fragments.
//!
//! The parsed document is handed on to the schema, so the text is parsed once; the last
//! [`DOCUMENTS`] texts seen are kept parsed, so a client sending the same query again (every
//! client does) is not parsed again. The walk still runs each time: it depends on variables.

use std::{
    collections::HashMap,
    num::{NonZeroU32, NonZeroUsize},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_graphql::{
    BatchRequest, Name, Request, Value,
    parser::{
        parse_query, parse_schema,
        types::{
            BaseType, Directive, ExecutableDocument, Field, OperationType, Selection, SelectionSet, Type,
            TypeDefinition, TypeKind, TypeSystemDefinition,
        },
    },
};
use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use lru::LruCache;

use crate::config::{GraphqlSettings, Introspection};

/// What a list without a `first` argument counts as in the cost (chapters of a plan, units
/// of a team): lists that grow with the organization, not with time.
pub const SMALL_LIST: u64 = 20;

/// Fragments spreading fragments more deeply than this are refused: nothing legitimate needs
/// it, and it bounds the walk's own recursion.
const MAX_FRAGMENT_NESTING: usize = 32;

/// How many parsed documents the gate keeps, by their text (each at most
/// `graphql.max_query_bytes` long).
pub const DOCUMENTS: usize = 256;

/// A refused request: the HTTP status, `extensions.code` and a message.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn bad(code: &'static str, message: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message,
        }
    }

    /// The refusal as a GraphQL error with its code.
    pub fn into_server_error(self) -> async_graphql::ServerError {
        let mut error = async_graphql::ServerError::new(self.message, None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", self.code);
        error.extensions = Some(extensions);
        error
    }
}

/// What the gate learned about an admitted request.
#[derive(Debug, Default, Clone, Copy)]
pub struct Admitted {
    /// It asks for `__schema` or `__type`.
    pub introspects: bool,
    /// Top-level mutation fields, every alias counted.
    pub mutations: usize,
    pub cost: u64,
    pub fields: u64,
    pub aliases: u64,
    pub directives: u64,
}

/// For each object type of the schema, its fields: the type they return and whether that is a
/// list of objects (which multiplies the cost of what is selected inside).
#[derive(Debug, Default)]
struct SchemaIndex {
    fields: HashMap<String, HashMap<String, FieldShape>>,
    /// Each enum's values, to name them when a request gives another.
    enums: HashMap<String, Vec<String>>,
    /// Each input object's fields and their types.
    inputs: HashMap<String, HashMap<String, Type>>,
}

#[derive(Debug, Clone)]
struct FieldShape {
    ty: String,
    list: bool,
    paged: bool,
    /// The types of its arguments.
    args: HashMap<String, Type>,
}

impl SchemaIndex {
    fn from_sdl(sdl: &str) -> Self {
        let mut index = Self::default();
        let Ok(document) = parse_schema(sdl) else {
            return index;
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let TypeDefinition { name, kind, .. } = ty.node;
            let fields = match kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => interface.fields,
                TypeKind::Enum(values) => {
                    let values = values.values.iter().map(|v| v.node.value.node.to_string()).collect();
                    index.enums.insert(name.node.to_string(), values);
                    continue;
                }
                TypeKind::InputObject(input) => {
                    let fields = input
                        .fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                        .collect();
                    index.inputs.insert(name.node.to_string(), fields);
                    continue;
                }
                _ => continue,
            };
            let shapes = fields
                .into_iter()
                .map(|field| {
                    let field = field.node;
                    let rendered = field.ty.node.to_string();
                    let base = rendered.trim_matches(|c| matches!(c, '[' | ']' | '!')).to_owned();
                    let shape = FieldShape {
                        list: rendered.starts_with('['),
                        paged: field.arguments.iter().any(|a| a.node.name.node == "first"),
                        ty: base,
                        args: field
                            .arguments
                            .iter()
                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
                            .collect(),
                    };
                    (field.name.node.to_string(), shape)
                })
                .collect();
            index.fields.insert(name.node.to_string(), shapes);
        }
        index
    }

    fn field(&self, ty: &str, name: &str) -> Option<&FieldShape> {
        self.fields.get(ty)?.get(name)
    }

    /// Refuses an enum value its enum does not hold, anywhere in an argument's value, naming
    /// the valid values. Everything else about the value is left to the schema's validation.
    /// The walk follows the argument's type, so its depth is the type's, whatever the value.
    fn check_input(&self, ty: &Type, value: &Value, path: &str) -> Result<(), Refusal> {
        match (&ty.base, value) {
            (_, Value::Null) => Ok(()),
            (BaseType::List(inner), Value::List(items)) => {
                items.iter().try_for_each(|item| self.check_input(inner, item, path))
            }
            // A single value stands for a list of one.
            (BaseType::List(inner), single) => self.check_input(inner, single, path),
            (BaseType::Named(name), value) => {
                if let Some(values) = self.enums.get(name.as_str()) {
                    let given = match value {
                        Value::Enum(given) => given.as_str(),
                        Value::String(given) => given.as_str(),
                        _ => return Ok(()),
                    };
                    if !values.iter().any(|v| v == given) {
                        return Err(Refusal::bad(
                            "VALIDATION",
                            format!(
                                "{path}: enumeration type \"{name}\" does not contain the value {}; valid values: {}",
                                quote(given),
                                values.join(", ")
                            ),
                        ));
                    }
                } else if let (Some(fields), Value::Object(object)) = (self.inputs.get(name.as_str()), value) {
                    for (key, item) in object {
                        if let Some(ty) = fields.get(key.as_str()) {
                            self.check_input(ty, item, &format!("{path}.{key}"))?;
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// What one selection set (or fragment) adds up to, independent of where it is used.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    fields: u64,
    cost: u64,
    depth: usize,
    aliases: u64,
    directives: u64,
    /// Fields at this level, through fragments: the root fields of an operation.
    top_fields: u64,
    introspects: bool,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.fields = self.fields.saturating_add(other.fields);
        self.cost = self.cost.saturating_add(other.cost);
        self.depth = self.depth.max(other.depth);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
        self.introspects |= other.introspects;
    }
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    schema: &'a SchemaIndex,
    variables: &'a async_graphql::Variables,
    max_page: u64,
    /// Fragments already walked; `None` while one is being walked (a cycle if met again).
    done: HashMap<Name, Option<Tally>>,
    nesting: usize,
}

impl Walk<'_> {
    fn selection_set(&mut self, set: &SelectionSet, ty: &str) -> Result<Tally, Refusal> {
        let mut tally = Tally::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    tally.top_fields += 1;
                    tally.fields = tally.fields.saturating_add(1);
                    tally.aliases += u64::from(field.alias.is_some());
                    tally.directives += directives(&field.directives);
                    let name = field.name.node.as_str();
                    tally.introspects |= matches!(name, "__schema" | "__type");
                    // The schema outlives the walk: nothing of it is copied per field.
                    let schema: &SchemaIndex = self.schema;
                    let shape = schema.field(ty, name);
                    if let Some(shape) = shape {
                        self.arguments(field, shape)?;
                    }
                    let child_type = shape.map_or("", |s| s.ty.as_str());
                    let inner = self.selection_set(&field.selection_set.node, child_type)?;
                    let times = match shape {
                        Some(shape) if shape.list && !field.selection_set.node.items.is_empty() => {
                            self.list_size(field, shape)
                        }
                        _ => 1,
                    };
                    tally.cost = tally
                        .cost
                        .saturating_add(1)
                        .saturating_add(inner.cost.saturating_mul(times));
                    tally.fields = tally.fields.saturating_add(inner.fields);
                    tally.aliases = tally.aliases.saturating_add(inner.aliases);
                    tally.directives = tally.directives.saturating_add(inner.directives);
                    let below = if field.selection_set.node.items.is_empty() {
                        0
                    } else {
                        inner.depth
                    };
                    tally.depth = tally.depth.max(below + 1);
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    tally.directives += directives(&inline.directives);
                    let on = inline.type_condition.as_ref().map_or(ty, |c| c.node.on.node.as_str());
                    let inner = self.selection_set(&inline.selection_set.node, on)?;
                    tally.add(&inner);
                }
                Selection::FragmentSpread(spread) => {
                    tally.directives += directives(&spread.node.directives);
                    let inner = self.fragment(&spread.node.fragment_name.node)?;
                    tally.add(&inner);
                }
            }
        }
        Ok(tally)
    }

    fn fragment(&mut self, name: &Name) -> Result<Tally, Refusal> {
        match self.done.get(name) {
            Some(Some(tally)) => return Ok(*tally),
            Some(None) => {
                return Err(Refusal::bad(
                    "VALIDATION",
                    format!("fragment {} spreads itself", quote(name)),
                ));
            }
            None => {}
        }
        // An unknown fragment is left to the schema's validation, which names it.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Ok(Tally::default());
        };
        if self.nesting >= MAX_FRAGMENT_NESTING {
            return Err(Refusal::bad(
                "QUERY_TOO_DEEP",
                format!("fragments spread fragments more than {MAX_FRAGMENT_NESTING} deep"),
            ));
        }
        self.done.insert(name.clone(), None);
        self.nesting += 1;
        let on = fragment.node.type_condition.node.on.node.to_string();
        let mut tally = self.selection_set(&fragment.node.selection_set.node, &on)?;
        tally.directives += directives(&fragment.node.directives);
        self.nesting -= 1;
        self.done.insert(name.clone(), Some(tally));
        Ok(tally)
    }

    /// Checks the enum values in a field's arguments, with the request's variables in place
    /// (a variable not given is the schema's to report).
    fn arguments(&self, field: &Field, shape: &FieldShape) -> Result<(), Refusal> {
        for (name, value) in &field.arguments {
            let Some(ty) = shape.args.get(name.node.as_str()) else {
                continue;
            };
            let Ok(value) = value
                .node
                .clone()
                .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
            else {
                continue;
            };
            self.schema.check_input(ty, &value, name.node.as_str())?;
        }
        Ok(())
    }

    /// How many items a list field may return: its `first`, else the largest page for paged
    /// lists, else [`SMALL_LIST`].
    fn list_size(&self, field: &Field, shape: &FieldShape) -> u64 {
        if !shape.paged {
            return SMALL_LIST;
        }
        let first = field
            .arguments
            .iter()
            .find(|(name, _)| name.node == "first")
            .and_then(|(_, value)| {
                let value = value
                    .node
                    .clone()
                    .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
                    .ok()?;
                match value {
                    Value::Number(n) => n.as_u64(),
                    _ => None,
                }
            });
        first.map_or(self.max_page, |n| n.min(self.max_page))
    }
}

fn directives(list: &[async_graphql::Positioned<Directive>]) -> u64 {
    list.len() as u64
}

/// Quotes user input in a message: at most 40 characters, so an error never echoes a
/// megabyte back.
pub fn quote(input: &str) -> String {
    const MAX: usize = 40;
    match input.char_indices().nth(MAX) {
        None => format!("\"{input}\""),
        Some((cut, _)) => format!("\"{}…\" ({} characters)", &input[..cut], input.chars().count()),
    }
}

/// The deepest nesting of `{`, `[` and `(` in a GraphQL text, outside strings and comments.
/// A single pass without recursion, so it is safe on any input.
pub fn nesting(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0_usize, 0_usize, 0_usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // An escaped triple quote stays inside the block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// The gate, built once per schema.
#[derive(Clone)]
pub struct Gate {
    settings: GraphqlSettings,
    schema: Arc<SchemaIndex>,
    mutations: Arc<DefaultKeyedRateLimiter<String>>,
    checks: Arc<AtomicUsize>,
    documents: Arc<Mutex<LruCache<String, ExecutableDocument>>>,
}

impl Gate {
    pub fn new(settings: &GraphqlSettings) -> Self {
        let per_minute = NonZeroU32::new(settings.mutations_per_minute.max(1)).expect("at least one");
        Self {
            settings: settings.clone(),
            schema: Arc::new(SchemaIndex::from_sdl(&crate::graphql::sdl())),
            mutations: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            checks: Arc::new(AtomicUsize::new(0)),
            documents: Arc::new(Mutex::new(LruCache::new(
                NonZeroUsize::new(DOCUMENTS).expect("not zero"),
            ))),
        }
    }

    /// Checks a request (or batch) sent with `token`, before any authentication or SQL. Each
    /// admitted request carries its parsed document on to the schema. Mutations are counted
    /// against the token's allowance; introspection is refused when it is off, and left to the
    /// caller to refuse without a viewer when it is for signed-in users only.
    pub fn check_batch(&self, batch: &mut BatchRequest, token: Option<&str>) -> Result<Admitted, Refusal> {
        let requests: Vec<&mut Request> = match batch {
            BatchRequest::Single(request) => vec![request],
            BatchRequest::Batch(requests) => requests.iter_mut().collect(),
        };
        if requests.len() > self.settings.max_batch {
            return Err(Refusal::bad(
                "BATCH_TOO_LARGE",
                format!(
                    "a batch may hold at most {} operations, this one has {}",
                    self.settings.max_batch,
                    requests.len()
                ),
            ));
        }
        let mut total = Admitted::default();
        for request in requests {
            let admitted = self.check(request)?;
            total.introspects |= admitted.introspects;
            total.mutations += admitted.mutations;
            total.cost = total.cost.saturating_add(admitted.cost);
            total.fields = total.fields.saturating_add(admitted.fields);
            total.aliases = total.aliases.saturating_add(admitted.aliases);
            total.directives = total.directives.saturating_add(admitted.directives);
        }
        // The whole batch shares one budget, so ten operations cannot do ten times the work.
        self.within_budget(&total)?;
        if total.mutations > 0 {
            self.take(token, total.mutations)?;
        }
        Ok(total)
    }

    /// Checks one request's text and document (not the rate limit), and hands the parsed
    /// document on to the schema.
    pub fn check(&self, request: &mut Request) -> Result<Admitted, Refusal> {
        let settings = &self.settings;
        if request.query.len() > settings.max_query_bytes {
            return Err(Refusal::bad(
                "QUERY_TOO_LARGE",
                format!(
                    "the query is {} bytes; at most {} are accepted",
                    request.query.len(),
                    settings.max_query_bytes
                ),
            ));
        }
        let document = match self.parsed(&request.query) {
            Some(document) => document,
            None => {
                let max_nesting = settings.max_depth + 10;
                let nested = nesting(&request.query);
                if nested > max_nesting {
                    return Err(Refusal::bad(
                        "QUERY_TOO_DEEP",
                        format!("the query nests brackets {nested} deep; at most {max_nesting} are accepted"),
                    ));
                }
                let document = parse_query(&request.query).map_err(|error| {
                    let mut message = error.to_string();
                    if message.len() > 200 {
                        message = format!("{}…", message.chars().take(200).collect::<String>());
                    }
                    Refusal::bad("VALIDATION", message)
                })?;
                self.remember(&request.query, &document);
                document
            }
        };
        let mut walk = Walk {
            document: &document,
            schema: &self.schema,
            variables: &request.variables,
            max_page: settings.max_page as u64,
            done: HashMap::new(),
            nesting: 0,
        };
        let mut total = Tally::default();
        let mut mutations = 0;
        for (name, operation) in document.operations.iter() {
            let wanted = match (&request.operation_name, name) {
                (Some(wanted), Some(name)) => name.as_str() == wanted,
                (Some(_), None) => false,
                (None, _) => true,
            };
            let root = match operation.node.ty {
                OperationType::Query => "Query",
                OperationType::Mutation => "Mutation",
                OperationType::Subscription => "Subscription",
            };
            let mut tally = walk.selection_set(&operation.node.selection_set.node, root)?;
            tally.directives += directives(&operation.node.directives);
            if wanted {
                if operation.node.ty == OperationType::Mutation {
                    mutations += tally.top_fields as usize;
                }
                total.add(&tally);
            } else {
                // Operations not run still cost their walk, so count their size.
                total.fields = total.fields.saturating_add(tally.fields);
                total.aliases = total.aliases.saturating_add(tally.aliases);
                total.directives = total.directives.saturating_add(tally.directives);
                total.depth = total.depth.max(tally.depth);
            }
        }
        // Fragments no operation uses are walked too: they are parsed and validated all the same.
        let names: Vec<Name> = document.fragments.keys().cloned().collect();
        for name in names {
            let tally = walk.fragment(&name)?;
            total.fields = total.fields.max(tally.fields);
            total.directives = total.directives.max(tally.directives);
        }
        if total.depth > settings.max_depth {
            return Err(Refusal::bad(
                "QUERY_TOO_DEEP",
                format!(
                    "the query selects {} levels deep; at most {} are accepted",
                    total.depth, settings.max_depth
                ),
            ));
        }
        let admitted = Admitted {
            introspects: total.introspects,
            mutations,
            cost: total.cost,
            fields: total.fields,
            aliases: total.aliases,
            directives: total.directives,
        };
        self.within_budget(&admitted)?;
        if total.introspects && settings.introspection == Introspection::Off {
            return Err(Refusal::bad(
                "INTROSPECTION_DISABLED",
                "introspection is turned off on this server (graphql.introspection); \
                 the schema is in schema/schema.graphql"
                    .into(),
            ));
        }
        request.set_parsed_query(document);
        Ok(admitted)
    }

    /// The document of a text parsed before, if it is still kept.
    fn parsed(&self, query: &str) -> Option<ExecutableDocument> {
        let mut documents = self.documents.lock().unwrap_or_else(|e| e.into_inner());
        documents.get(query).cloned()
    }

    /// Keeps a document that parsed (a text that did not is parsed again, and refused again).
    fn remember(&self, query: &str, document: &ExecutableDocument) {
        let mut documents = self.documents.lock().unwrap_or_else(|e| e.into_inner());
        documents.put(query.to_owned(), document.clone());
    }

    /// Aliases, directives, fields and cost of a request, or of a whole batch.
    fn within_budget(&self, admitted: &Admitted) -> Result<(), Refusal> {
        let settings = &self.settings;
        let Admitted {
            cost,
            fields,
            aliases,
            directives,
            ..
        } = *admitted;
        if aliases > settings.max_aliases as u64 {
            return Err(Refusal::bad(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the query uses {aliases} aliases; at most {} are accepted",
                    settings.max_aliases
                ),
            ));
        }
        if directives > settings.max_directives as u64 {
            return Err(Refusal::bad(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the query uses {directives} directives; at most {} are accepted",
                    settings.max_directives
                ),
            ));
        }
        if fields > settings.max_fields as u64 {
            return Err(Refusal::bad(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the query selects {fields} fields once its fragments are expanded; at most {} are accepted",
                    settings.max_fields
                ),
            ));
        }
        if cost > settings.max_complexity as u64 {
            return Err(Refusal::bad(
                "QUERY_TOO_COMPLEX",
                format!(
                    "the query could return about {cost} values (each list counted as its `first` argument, \
                     at most {} for lists that take one, {SMALL_LIST} for others); at most {} are accepted: \
                     ask for fewer with `first`",
                    settings.max_page, settings.max_complexity
                ),
            ));
        }
        Ok(())
    }

    /// Refuses introspection without a viewer when it is for signed-in users only.
    pub fn introspection_allowed(&self, signed_in: bool) -> Result<(), Refusal> {
        match self.settings.introspection {
            Introspection::Public => Ok(()),
            Introspection::SignedIn if signed_in => Ok(()),
            Introspection::SignedIn => Err(Refusal {
                status: StatusCode::UNAUTHORIZED,
                code: "UNAUTHENTICATED",
                message: "introspection is for signed-in users: send an API token as \
                          \"Authorization: Bearer <token>\" (the schema is also in schema/schema.graphql)"
                    .into(),
            }),
            Introspection::Off => Err(Refusal::bad(
                "INTROSPECTION_DISABLED",
                "introspection is turned off on this server (graphql.introspection)".into(),
            )),
        }
    }

    fn take(&self, token: Option<&str>, changes: usize) -> Result<(), Refusal> {
        let refused = || Refusal {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "RATE_LIMITED",
            message: format!(
                "more than {} changes a minute with this token; wait a little and try again",
                self.settings.mutations_per_minute
            ),
        };
        // Forget tokens that have been quiet long enough to be back at a full allowance.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1000 == 999 {
            self.mutations.retain_recent();
        }
        let key = token.map_or_else(|| "anonymous".to_owned(), crate::services::auth::hash_token);
        let n = NonZeroU32::new(u32::try_from(changes).unwrap_or(u32::MAX)).expect("at least one change");
        match self.mutations.check_key_n(&key, n) {
            Ok(Ok(_)) => Ok(()),
            _ => Err(refused()),
        }
    }
}

/// The gate as a schema extension, for the schema served over WebSocket, where requests reach
/// the schema without passing the HTTP handler. (The HTTP schema does not carry it: the
/// handler checks before authenticating.)
pub struct GateExtension(pub Gate);

impl async_graphql::extensions::ExtensionFactory for GateExtension {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(GateExtension(self.0.clone()))
    }
}

#[async_graphql::async_trait::async_trait]
impl async_graphql::extensions::Extension for GateExtension {
    async fn prepare_request(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        mut request: Request,
        next: async_graphql::extensions::NextPrepareRequest<'_>,
    ) -> async_graphql::ServerResult<Request> {
        self.0.check(&mut request).map_err(Refusal::into_server_error)?;
        next.run(ctx, request).await
    }
}

/// The schema's validation, run once per query document, with the schema's own depth limit
/// (behind the gate's, which refuses first) refused with its code set where it arises (the
/// builder's `limit_depth` would raise an error with only a message to tell it by).
///
/// async-graphql walks the whole document through some twenty rules on every request; under
/// `perf` that was a fifth of a request's CPU. A query document (text and operation name)
/// that passed is kept with its result, the last [`DOCUMENTS`], and is not validated again.
/// Validation also checks the values of variables; for a document kept, a value of the wrong
/// type is refused where the argument is read instead (`VALIDATION` on that field; enum
/// values the gate checks first). A document with a mutation or subscription in it is
/// validated every time, so a bad value in one mutation field never lets one before it run.
#[derive(Clone)]
pub struct Validation {
    max_depth: usize,
    known: Arc<Mutex<LruCache<DocumentKey, async_graphql::ValidationResult>>>,
    /// Validations run (documents not kept), for tests (`AppState::validations`).
    runs: Arc<std::sync::atomic::AtomicU64>,
}

/// A query's text and operation name.
type DocumentKey = (String, Option<String>);

impl Validation {
    pub fn new(max_depth: usize, runs: Arc<std::sync::atomic::AtomicU64>) -> Self {
        Validation {
            max_depth,
            known: Arc::new(Mutex::new(LruCache::new(
                NonZeroUsize::new(DOCUMENTS).expect("DOCUMENTS > 0"),
            ))),
            runs,
        }
    }

    /// Whether `request`'s document (its text and operation name) passed and is kept: a query
    /// document only, so one with a mutation is never known.
    pub fn knows(&self, request: &Request) -> bool {
        let key = (request.query.clone(), request.operation_name.clone());
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known.get(&key).is_some()
    }
}

impl async_graphql::extensions::ExtensionFactory for Validation {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(ValidationOfRequest {
            max_depth: self.max_depth,
            known: self.known.clone(),
            runs: self.runs.clone(),
            key: Mutex::new(None),
        })
    }
}

/// `Validation` for one request: its document's key, while the document may be kept.
struct ValidationOfRequest {
    max_depth: usize,
    known: Arc<Mutex<LruCache<DocumentKey, async_graphql::ValidationResult>>>,
    runs: Arc<std::sync::atomic::AtomicU64>,
    key: Mutex<Option<DocumentKey>>,
}

impl ValidationOfRequest {
    fn key(&self) -> std::sync::MutexGuard<'_, Option<DocumentKey>> {
        self.key.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, LruCache<DocumentKey, async_graphql::ValidationResult>> {
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_graphql::async_trait::async_trait]
impl async_graphql::extensions::Extension for ValidationOfRequest {
    async fn prepare_request(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        request: Request,
        next: async_graphql::extensions::NextPrepareRequest<'_>,
    ) -> async_graphql::ServerResult<Request> {
        let request = next.run(ctx, request).await?;
        *self.key() = Some((request.query.clone(), request.operation_name.clone()));
        Ok(request)
    }

    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &async_graphql::Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query)
        {
            *self.key() = None;
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        next: async_graphql::extensions::NextValidation<'_>,
    ) -> Result<async_graphql::ValidationResult, Vec<async_graphql::ServerError>> {
        let key = self.key().take();
        if let Some(key) = &key
            && let Some(known) = self.known().get(key)
        {
            return Ok(*known);
        }
        self.runs.fetch_add(1, Ordering::Relaxed);
        let validated = next.run(ctx).await?;
        if validated.depth > self.max_depth {
            let refusal = Refusal::bad("QUERY_TOO_DEEP", "Query is nested too deep.".into());
            return Err(vec![refusal.into_server_error()]);
        }
        if let Some(key) = key {
            self.known().put(key, validated);
        }
        Ok(validated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn gate() -> Gate {
        Gate::new(&Settings::defaults().graphql)
    }

    fn check(query: &str) -> Result<Admitted, Refusal> {
        gate().check(&mut Request::new(query))
    }

    fn code(query: &str) -> &'static str {
        match check(query) {
            Ok(_) => "OK",
            Err(refusal) => refusal.code,
        }
    }

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert_eq!(nesting("{ a { b(x: [[1]]) } }"), 5);
        assert_eq!(nesting("{ a(x: \"{{{{[[[\") }"), 2);
        assert_eq!(nesting("{ a(x: \"\"\" {{{{ \\\"\"\" {{{ \"\"\") }"), 2);
        assert_eq!(nesting("# {{{{{\n{ a }"), 1);
        assert_eq!(nesting(&"[".repeat(100_000)), 100_000);
    }

    #[test]
    fn deep_values_are_refused_before_parsing() {
        let deep = format!("{{ action(id: {}1{}) {{ id }} }}", "[".repeat(2000), "]".repeat(2000));
        assert_eq!(code(&deep), "QUERY_TOO_DEEP");
        let objects = format!("{{ a{} }}", "{ a".repeat(2000) + &"}".repeat(2000));
        assert_eq!(code(&objects), "QUERY_TOO_DEEP");
    }

    #[test]
    fn fragment_bombs_are_counted_with_memoisation() {
        let mut query = String::from("{ ...F0 }\n");
        for level in 0..10 {
            let spreads = format!("...F{} ", level + 1).repeat(6);
            query.push_str(&format!("fragment F{level} on Query {{ {spreads} }}\n"));
        }
        query.push_str("fragment F10 on Query { __typename }\n");
        let started = std::time::Instant::now();
        let refusal = check(&query).unwrap_err();
        assert_eq!(refusal.code, "QUERY_TOO_COMPLEX", "{}", refusal.message);
        assert!(refusal.message.contains("60466176 fields"), "{}", refusal.message);
        eprintln!("6^10 bomb refused in {:?}", started.elapsed());
    }

    #[test]
    fn cycles_and_deep_fragment_chains_are_refused() {
        assert_eq!(
            code("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
            "VALIDATION"
        );
        let mut chain = String::from("{ ...F0 }\n");
        for i in 0..100 {
            chain.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
        }
        chain.push_str("fragment F100 on Query { __typename }");
        assert_eq!(code(&chain), "QUERY_TOO_DEEP");
    }

    #[test]
    fn cost_multiplies_by_list_sizes() {
        let dashboard = check("{ plan(id: \"x\") { chapters { actions { number title } } } }").unwrap();
        // chapters and a chapter's actions are small lists: 1 + 1 + 25 * (1 + 25 * 2).
        assert_eq!(dashboard.cost, 1 + 1 + SMALL_LIST * (1 + SMALL_LIST * 2));
        let paged = check("{ actions(first: 10) { number history(first: 5) { at } } }").unwrap();
        assert_eq!(paged.cost, 1 + 10 * (1 + 1 + 5));
        let amplified = "{ actions { plan { chapters { actions { plan { chapters { actions { id } } } } } } } }";
        assert_eq!(code(amplified), "QUERY_TOO_COMPLEX");
    }

    #[test]
    fn mutations_are_counted_through_any_depth_of_fragments() {
        let mut query = "commentAction(input: { actionId: \"x\", comment: \"c\" }) { id }".to_owned();
        for _ in 0..11 {
            query = format!("... on Mutation {{ {query} }}");
        }
        let admitted = check(&format!("mutation {{ {query} }}")).unwrap();
        assert_eq!(admitted.mutations, 1);
        let aliased: Vec<String> = (0..20)
            .map(|i| format!("c{i}: commentAction(input: {{ actionId: \"x\", comment: \"c\" }}) {{ id }}"))
            .collect();
        let admitted = check(&format!(
            "mutation {{ ... on Mutation {{ ... on Mutation {{ {} }} }} }}",
            aliased.join(" ")
        ))
        .unwrap();
        assert_eq!(admitted.mutations, 20);
    }

    #[test]
    fn graphiqls_introspection_query_passes() {
        let type_ref = (0..7).fold("kind name".to_owned(), |inner, _| {
            format!("kind name ofType {{ {inner} }}")
        });
        let query = format!(
            "query IntrospectionQuery {{ __schema {{ queryType {{ name }} mutationType {{ name }} subscriptionType {{ name }}
               types {{ ...FullType }} directives {{ name description locations args(includeDeprecated: true) {{ ...InputValue }} }} }} }}
             fragment FullType on __Type {{ kind name description specifiedByURL
               fields(includeDeprecated: true) {{ name description args(includeDeprecated: true) {{ ...InputValue }} type {{ ...TypeRef }} isDeprecated deprecationReason }}
               inputFields(includeDeprecated: true) {{ ...InputValue }} interfaces {{ ...TypeRef }}
               enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }} possibleTypes {{ ...TypeRef }} }}
             fragment InputValue on __InputValue {{ name description type {{ ...TypeRef }} defaultValue isDeprecated deprecationReason }}
             fragment TypeRef on __Type {{ {type_ref} }}"
        );
        let admitted = check(&query).unwrap();
        assert!(admitted.introspects);
    }

    #[test]
    fn quotes_are_short() {
        assert_eq!(quote("abc"), "\"abc\"");
        let long = "x".repeat(1_000_000);
        assert!(quote(&long).len() < 80);
    }

    #[test]
    fn an_enum_value_its_enum_lacks_is_refused_with_the_valid_ones_wherever_it_is() {
        let statuses = "NOT_STARTED, IN_PROGRESS, DELAYED, COMPLETED, CONTINUED, CANCELLED";
        let literal =
            check("mutation { updateActionStatus(input: {actionId: \"x\", status: DONE}) { id } }").unwrap_err();
        assert_eq!(literal.code, "VALIDATION");
        assert!(
            literal.message.contains("input.status") && literal.message.contains(statuses),
            "{}",
            literal.message
        );

        let mut request =
            Request::new("mutation($input: UpdateActionStatusInput!) { updateActionStatus(input: $input) { id } }")
                .variables(async_graphql::Variables::from_json(
                    serde_json::json!({ "input": { "actionId": "x", "status": "DONE" } }),
                ));
        let variable = gate().check(&mut request).unwrap_err();
        assert!(variable.message.contains(statuses), "{}", variable.message);

        let in_a_filter = check("{ actions(filter: {status: DONE}) { id } }").unwrap_err();
        assert!(in_a_filter.message.contains("filter.status"), "{}", in_a_filter.message);
        assert_eq!(code("{ actions(filter: {status: DELAYED}) { id } }"), "OK");
        assert_eq!(code("{ a: actions(filter: {status: null}) { id } }"), "OK");
    }

    /// The schema's own depth limit, behind the gate, refuses with its code set.
    #[tokio::test]
    async fn the_schemas_depth_limit_refuses_with_its_code() {
        #[derive(async_graphql::SimpleObject)]
        struct Node {
            value: i32,
        }
        struct Root;
        #[async_graphql::Object]
        impl Root {
            async fn node(&self) -> Node {
                Node { value: 1 }
            }
        }
        let schema = async_graphql::Schema::build(Root, async_graphql::EmptyMutation, async_graphql::EmptySubscription)
            .extension(Validation::new(1, Arc::default()))
            .finish();
        let deep = schema.execute("{ node { value } }").await;
        assert_eq!(deep.errors.len(), 1, "{:?}", deep.errors);
        let code = deep.errors[0].extensions.as_ref().and_then(|e| e.get("code")).cloned();
        assert_eq!(code, Some(Value::from("QUERY_TOO_DEEP")));
        assert!(schema.execute("{ __typename }").await.errors.is_empty());
    }
}
