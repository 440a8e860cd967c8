//! Client configuration: explicit values, then the environment, then a `.env` file.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// What a per-request client holds as its key until the first token arrives; never sent.
pub(crate) const PER_REQUEST_PLACEHOLDER: &str = "<set per request>";
/// Same defaults as the official SDK (`httpx.Timeout(600, connect=5)`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Per-attempt deadline of a non-streaming request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest silence allowed between two bytes of a stream.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// A request makes at most `1 + DEFAULT_MAX_RETRIES` attempts.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// An API key that never shows itself in `Debug`/`Display` output.
///
/// Reading it takes an explicit [`ApiKey::expose`], so a stray `{:?}` of a config or
/// client cannot leak it into a log.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, refusing what could not travel in an HTTP header (CR/LF, controls, non-ASCII).
    pub fn new(key: impl Into<String>) -> Result<ApiKey> {
        let key = key.into();
        if key.is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        if let Some(pos) = key.bytes().position(|b| !(0x20..0x7f).contains(&b)) {
            // Say where, never what: the key must not appear in the error.
            return Err(Error::config(format!(
                "the API key contains a character that cannot be sent in a header (at byte {pos}); \
                 check for a stray newline or quote"
            )));
        }
        Ok(ApiKey(key))
    }

    /// The key itself. Call only to put it on the wire or hand it to a trusted owner.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

/// The deadlines of a client. Each is on unless explicitly turned off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect. `None` only through [`Timeouts::no_timeout`].
    pub connect: Option<Duration>,
    /// One attempt of a request: until the full body of a non-streaming response, or until the
    /// headers of a stream.
    pub request: Option<Duration>,
    /// Silence between two bytes of a stream; reset by every byte.
    pub stream_idle: Option<Duration>,
    /// Optional deadline over all attempts and backoff (for a stream: until its headers).
    pub total: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Some(DEFAULT_CONNECT_TIMEOUT),
            request: Some(DEFAULT_REQUEST_TIMEOUT),
            stream_idle: Some(DEFAULT_STREAM_IDLE_TIMEOUT),
            total: None,
        }
    }
}

impl Timeouts {
    /// Every deadline off. A named opt-out, because "no timeout" should never happen by
    /// accident (the official SDK's `timeout=None` foot-gun).
    pub fn no_timeout() -> Timeouts {
        Timeouts {
            connect: None,
            request: None,
            stream_idle: None,
            total: None,
        }
    }
}

/// How a client's credential travels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthStyle {
    /// `Authorization: Bearer <key>`: OpenAI, and Azure with a Microsoft Entra (AD) token.
    #[default]
    Bearer,
    /// `api-key: <key>`: Azure with an API key.
    ApiKeyHeader,
    /// `Authorization: Bearer <token>` with a token handed over per request through
    /// [`crate::Client::set_credential`] (Azure's token provider); a request made before the
    /// first token is refused.
    PerRequest,
}

/// Azure OpenAI routing: which requests go under `/deployments/{name}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AzureRouting {
    /// The deployment from `azure_deployment`: its endpoints go under it, the rest to the root.
    pub(crate) deployment: Option<String>,
    /// Without a fixed deployment, a deployment endpoint goes under the body's `model`, unless
    /// the base URL already names a deployment.
    pub(crate) by_model: bool,
}

/// The endpoints Azure serves per deployment (the official `_deployments_endpoints`).
const AZURE_DEPLOYMENT_PATHS: &[&str] = &[
    "completions",
    "chat/completions",
    "embeddings",
    "audio/transcriptions",
    "audio/translations",
    "audio/speech",
    "images/generations",
    "images/edits",
];

/// `s` as one URL path segment: everything but the unreserved characters percent-encoded, so
/// a model name cannot add segments or a query.
fn path_segment(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

impl AzureRouting {
    /// The path a request for `path` takes; `model` is read from the body only when needed.
    pub(crate) fn route<'a>(
        &self,
        path: &'a str,
        model: impl FnOnce() -> Option<String>,
    ) -> std::borrow::Cow<'a, str> {
        let p = path.trim_start_matches('/');
        if !AZURE_DEPLOYMENT_PATHS.contains(&p) {
            return std::borrow::Cow::Borrowed(path);
        }
        let deployment = match &self.deployment {
            Some(d) => Some(d.clone()),
            None if self.by_model => model(),
            None => None,
        };
        match deployment {
            Some(d) => std::borrow::Cow::Owned(format!("deployments/{}/{p}", path_segment(&d))),
            None => std::borrow::Cow::Borrowed(path),
        }
    }
}

/// Where environment-like settings come from; tests substitute a map so they never touch the
/// process environment.
#[derive(Clone, Debug)]
pub enum EnvSource {
    /// The process environment, then `.env` in the working directory.
    Process,
    /// The process environment, then the given dotenv file.
    ProcessWithDotenv(PathBuf),
    /// Only these variables (no process environment, no `.env`).
    Map(HashMap<String, String>),
}

impl EnvSource {
    /// Looks a variable up; an empty value counts as unset, like `os.environ.get(..) or ...`.
    fn lookup(&self, name: &str, dotenv: &mut Option<HashMap<String, String>>) -> Option<String> {
        let from_map = |m: &HashMap<String, String>| m.get(name).cloned();
        let value = match self {
            EnvSource::Map(m) => from_map(m),
            EnvSource::Process | EnvSource::ProcessWithDotenv(_) => std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| {
                    let file = dotenv.get_or_insert_with(|| {
                        let path = match self {
                            EnvSource::ProcessWithDotenv(p) => p.clone(),
                            _ => PathBuf::from(".env"),
                        };
                        read_dotenv(&path)
                    });
                    from_map(file)
                }),
        };
        value.filter(|v| !v.is_empty())
    }
}

/// Reads a dotenv file with dotenv rules (quotes, `export`, comments, `${VAR}` expansion).
/// A missing or unreadable file is an empty map: `.env` is optional by nature.
fn read_dotenv(path: &Path) -> HashMap<String, String> {
    match dotenvy::from_path_iter(path) {
        Ok(iter) => iter.filter_map(|item| item.ok()).collect(),
        Err(_) => HashMap::new(),
    }
}

/// A resolved client configuration. Build it with [`crate::ClientBuilder`].
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) api_key: ApiKey,
    pub(crate) base_url: String,
    pub(crate) organization: Option<String>,
    pub(crate) project: Option<String>,
    pub(crate) default_headers: Vec<(String, String)>,
    pub(crate) default_query: Vec<(String, String)>,
    pub(crate) proxy: Option<Proxy>,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_retries: u32,
    pub(crate) user_agent: String,
    pub(crate) auth_style: AuthStyle,
    pub(crate) azure: Option<AzureRouting>,
}

impl ClientConfig {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The API key (redacted in `Debug`).
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }
    /// `OpenAI-Organization`.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }
    /// `OpenAI-Project`.
    pub fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }
    /// The deadlines.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }
    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }
    /// The explicit proxy, if any (environment proxies are applied by the transport).
    pub fn proxy(&self) -> Option<&Proxy> {
        self.proxy.as_ref()
    }
    /// Headers sent with every request.
    pub fn default_headers(&self) -> &[(String, String)] {
        &self.default_headers
    }
    /// Query parameters sent with every request.
    pub fn default_query(&self) -> &[(String, String)] {
        &self.default_query
    }
    /// The extra CA bundle, if any.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }
    /// How the credential is sent.
    pub fn auth_style(&self) -> AuthStyle {
        self.auth_style
    }
    /// True for an Azure OpenAI client.
    pub fn is_azure(&self) -> bool {
        self.azure.is_some()
    }
    /// The fixed Azure deployment, if any.
    pub fn azure_deployment(&self) -> Option<&str> {
        self.azure.as_ref()?.deployment.as_deref()
    }

    /// A builder holding every setting of this configuration, to change some and build another
    /// client (`client.with_options(...)` in the official SDK). What the environment supplied is
    /// explicit in it, so building it again resolves to the same configuration.
    pub fn to_builder(&self) -> ClientBuilder {
        let mut b = ClientBuilder::new()
            .api_key(self.api_key.expose())
            .base_url(&self.base_url)
            .timeouts(self.timeouts)
            .max_retries(self.max_retries);
        if let Some(v) = &self.organization {
            b = b.organization(v);
        }
        if let Some(v) = &self.project {
            b = b.project(v);
        }
        for (k, v) in &self.default_headers {
            b = b.default_header(k, v);
        }
        for (k, v) in &self.default_query {
            b = b.default_query(k, v);
        }
        match &self.proxy {
            Some(Proxy::All(u)) => b = b.proxy(u),
            Some(Proxy::PerScheme { http, https }) => {
                b = b.proxy_per_scheme(http.clone(), https.clone())
            }
            None => {}
        }
        if let Some(p) = &self.ca_file {
            b = b.ca_file(p);
        }
        if let Some(routing) = &self.azure {
            b.azure = true;
            b.azure_resolved = Some(routing.clone());
            match self.auth_style {
                AuthStyle::Bearer => {
                    b.azure_ad_token = b.api_key.take();
                }
                AuthStyle::ApiKeyHeader => {}
                AuthStyle::PerRequest => {
                    b.api_key = None;
                    b.azure_ad_token_per_request = true;
                }
            }
            if let Some((_, v)) = self.default_query.iter().find(|(k, _)| k == "api-version") {
                b.api_version = Some(v.clone());
            }
        }
        b
    }
}

/// An explicit proxy: `http://`, `https://`, `socks5://` or `socks5h://`, optionally per scheme.
#[derive(Clone, PartialEq, Eq)]
pub enum Proxy {
    /// One proxy for every request.
    All(String),
    /// Separate proxies for `http://` and `https://` targets (the v0 `{"http":..,"https":..}` dict).
    PerScheme {
        /// For plain-HTTP targets.
        http: Option<String>,
        /// For HTTPS targets.
        https: Option<String>,
    },
}

impl Proxy {
    fn urls(&self) -> Vec<&str> {
        match self {
            Proxy::All(u) => vec![u.as_str()],
            Proxy::PerScheme { http, https } => http
                .iter()
                .chain(https.iter())
                .map(String::as_str)
                .collect(),
        }
    }
}

/// Shows the proxy without its credentials.
impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proxy::All(u) => write!(f, "Proxy::All({})", redact_url(u)),
            Proxy::PerScheme { http, https } => write!(
                f,
                "Proxy::PerScheme {{ http: {:?}, https: {:?} }}",
                http.as_deref().map(redact_url),
                https.as_deref().map(redact_url)
            ),
        }
    }
}

/// `scheme://user:pass@host` → `scheme://[REDACTED]@host`.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://[REDACTED]@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

pub(crate) fn validate_proxy_url(url: &str) -> Result<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::config(format!("invalid proxy URL {}: {e}", redact_url(url))))?;
    match parsed.scheme() {
        "http" | "https" | "socks5" | "socks5h" => Ok(()),
        other => Err(Error::config(format!(
            "unsupported proxy scheme {other:?} in {}; use http, https, socks5 or socks5h",
            redact_url(url)
        ))),
    }
}

/// Builds a [`crate::Client`]. Every setting not given falls back to the environment (and `.env`),
/// then to the official SDK's default.
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    organization: Option<String>,
    project: Option<String>,
    default_headers: Vec<(String, String)>,
    default_query: Vec<(String, String)>,
    proxy: Option<Proxy>,
    ca_file: Option<PathBuf>,
    timeouts: Option<Timeouts>,
    connect_timeout: Option<Option<Duration>>,
    request_timeout: Option<Option<Duration>>,
    stream_idle_timeout: Option<Option<Duration>>,
    total_timeout: Option<Option<Duration>>,
    max_retries: Option<u32>,
    env: Option<EnvSource>,
    azure: bool,
    azure_endpoint: Option<String>,
    azure_deployment: Option<String>,
    api_version: Option<String>,
    azure_ad_token: Option<String>,
    azure_ad_token_per_request: bool,
    /// Routing carried over by [`ClientConfig::to_builder`].
    azure_resolved: Option<AzureRouting>,
}

fn positive(name: &str, d: Duration) -> Result<Duration> {
    if d.is_zero() {
        Err(Error::invalid_argument(format!(
            "{name} must be greater than zero; use Timeouts::no_timeout() to turn deadlines off"
        )))
    } else {
        Ok(d)
    }
}

impl ClientBuilder {
    /// A builder with nothing set.
    pub fn new() -> ClientBuilder {
        ClientBuilder::default()
    }
    /// The API key (else `OPENAI_API_KEY`, else `.env`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// The base URL, with or without a trailing slash (else `OPENAI_BASE_URL`, else the API).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// `OpenAI-Organization` (else `OPENAI_ORG_ID`).
    pub fn organization(mut self, org: impl Into<String>) -> Self {
        self.organization = Some(org.into());
        self
    }
    /// `OpenAI-Project` (else `OPENAI_PROJECT_ID`).
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }
    /// A header for every request.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }
    /// A query parameter for every request.
    pub fn default_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_query.push((name.into(), value.into()));
        self
    }
    /// An explicit proxy for every request (else `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(Proxy::All(url.into()));
        self
    }
    /// Separate proxies per target scheme.
    pub fn proxy_per_scheme(mut self, http: Option<String>, https: Option<String>) -> Self {
        self.proxy = Some(Proxy::PerScheme { http, https });
        self
    }
    /// A PEM bundle of extra trusted CAs, added to the OS trust store.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }
    /// All deadlines at once (e.g. [`Timeouts::no_timeout`]).
    pub fn timeouts(mut self, t: Timeouts) -> Self {
        self.timeouts = Some(t);
        self
    }
    /// Connect deadline; must be > 0.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(Some(d));
        self
    }
    /// Per-attempt deadline; must be > 0.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = Some(Some(d));
        self
    }
    /// Stream idle deadline; must be > 0.
    pub fn stream_idle_timeout(mut self, d: Duration) -> Self {
        self.stream_idle_timeout = Some(Some(d));
        self
    }
    /// Deadline over all attempts; must be > 0.
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = Some(Some(d));
        self
    }
    /// Retries after the first attempt (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }
    /// Where to read `OPENAI_*` variables from (default: process environment, then `./.env`).
    pub fn env(mut self, env: EnvSource) -> Self {
        self.env = Some(env);
        self
    }
    /// An Azure OpenAI client (`AzureOpenAI` of the official SDK): the key comes from
    /// `AZURE_OPENAI_API_KEY` and travels as `api-key`, every request carries `api-version`, and
    /// the deployment endpoints go under `/deployments/{deployment or model}`. Implied by every
    /// `azure_*` setting and by [`ClientBuilder::api_version`].
    pub fn azure(mut self) -> Self {
        self.azure = true;
        self
    }
    /// The Azure resource, e.g. `https://example.openai.azure.com` (else
    /// `AZURE_OPENAI_ENDPOINT`); excludes [`ClientBuilder::base_url`].
    pub fn azure_endpoint(mut self, url: impl Into<String>) -> Self {
        self.azure = true;
        self.azure_endpoint = Some(url.into());
        self
    }
    /// A fixed deployment for the deployment endpoints (with `azure_endpoint`).
    pub fn azure_deployment(mut self, name: impl Into<String>) -> Self {
        self.azure = true;
        self.azure_deployment = Some(name.into());
        self
    }
    /// The Azure `api-version` (else `OPENAI_API_VERSION`).
    pub fn api_version(mut self, v: impl Into<String>) -> Self {
        self.azure = true;
        self.api_version = Some(v.into());
        self
    }
    /// A Microsoft Entra (AD) token, sent as `Authorization: Bearer` (else
    /// `AZURE_OPENAI_AD_TOKEN`).
    pub fn azure_ad_token(mut self, token: impl Into<String>) -> Self {
        self.azure = true;
        self.azure_ad_token = Some(token.into());
        self
    }
    /// The token is handed over per request with [`crate::Client::set_credential`] (what
    /// `azure_ad_token_provider` does in the bindings).
    pub fn azure_ad_token_per_request(mut self) -> Self {
        self.azure = true;
        self.azure_ad_token_per_request = true;
        self
    }

    /// Resolves every setting. Fails with a config error naming what is missing or malformed.
    pub fn resolve(self) -> Result<ClientConfig> {
        let env = self.env.unwrap_or(EnvSource::Process);
        let mut dotenv = None;
        let mut lookup = |name: &str| env.lookup(name, &mut dotenv);

        let mut default_query = self.default_query;
        let (api_key, base_url, auth_style, azure) = if self.azure {
            let key = self.api_key.filter(|k| !k.is_empty());
            let token = self.azure_ad_token.filter(|k| !k.is_empty());
            let given = [
                key.is_some(),
                token.is_some(),
                self.azure_ad_token_per_request,
            ];
            if given.iter().filter(|g| **g).count() > 1 {
                return Err(Error::config(
                    "api_key, azure_ad_token and azure_ad_token_provider are mutually exclusive; \
                     pass only one",
                ));
            }
            // The official order: an explicit credential, then the AD token variable, then the
            // key variable.
            let (secret, style) = if let Some(k) = key {
                (k, AuthStyle::ApiKeyHeader)
            } else if let Some(t) = token {
                (t, AuthStyle::Bearer)
            } else if self.azure_ad_token_per_request {
                (PER_REQUEST_PLACEHOLDER.to_owned(), AuthStyle::PerRequest)
            } else if let Some(t) = lookup("AZURE_OPENAI_AD_TOKEN") {
                (t, AuthStyle::Bearer)
            } else if let Some(k) = lookup("AZURE_OPENAI_API_KEY") {
                (k, AuthStyle::ApiKeyHeader)
            } else {
                return Err(Error::config(
                    "missing credentials: pass one of api_key, azure_ad_token or \
                     azure_ad_token_provider, or set AZURE_OPENAI_API_KEY or AZURE_OPENAI_AD_TOKEN",
                ));
            };
            let version = self
                .api_version
                .filter(|v| !v.is_empty())
                .or_else(|| lookup("OPENAI_API_VERSION"))
                .ok_or_else(|| {
                    Error::config("missing api_version: pass api_version or set OPENAI_API_VERSION")
                })?;
            default_query.retain(|(k, _)| k != "api-version");
            default_query.push(("api-version".to_owned(), version));
            let (base, routing) =
                match (self.base_url.filter(|u| !u.is_empty()), self.azure_endpoint) {
                    (Some(_), Some(_)) => {
                        return Err(Error::config(
                            "base_url and azure_endpoint are mutually exclusive",
                        ));
                    }
                    (Some(base), None) => {
                        let base = normalize_base_url(&base)?;
                        let routing = self.azure_resolved.unwrap_or_else(|| AzureRouting {
                            deployment: None,
                            by_model: !base.contains("/deployments"),
                        });
                        (base, routing)
                    }
                    (None, endpoint) => {
                        let endpoint = endpoint
                        .filter(|u| !u.is_empty())
                        .or_else(|| lookup("AZURE_OPENAI_ENDPOINT"))
                        .ok_or_else(|| {
                            Error::config(
                                "missing Azure endpoint: pass azure_endpoint or base_url, or set \
                                 AZURE_OPENAI_ENDPOINT",
                            )
                        })?;
                        let endpoint = normalize_base_url(&endpoint)?;
                        let deployment = self.azure_deployment.filter(|d| !d.is_empty());
                        (
                            format!("{endpoint}/openai"),
                            AzureRouting {
                                by_model: deployment.is_none(),
                                deployment,
                            },
                        )
                    }
                };
            (ApiKey::new(secret)?, base, style, Some(routing))
        } else {
            let api_key = match self.api_key.filter(|k| !k.is_empty()) {
                Some(k) => k,
                None => lookup("OPENAI_API_KEY").ok_or_else(|| {
                    Error::config(
                        "missing API key: pass an api_key, set the OPENAI_API_KEY environment \
                         variable, or put OPENAI_API_KEY in a .env file in the working directory",
                    )
                })?,
            };
            let base_url = self
                .base_url
                .filter(|u| !u.is_empty())
                .or_else(|| lookup("OPENAI_BASE_URL"))
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
            (
                ApiKey::new(api_key)?,
                normalize_base_url(&base_url)?,
                AuthStyle::Bearer,
                None,
            )
        };

        let organization = self.organization.or_else(|| lookup("OPENAI_ORG_ID"));
        let project = self.project.or_else(|| lookup("OPENAI_PROJECT_ID"));

        if let Some(p) = &self.proxy {
            for url in p.urls() {
                validate_proxy_url(url)?;
            }
        }
        for (name, value) in &self.default_headers {
            check_header(name, value)?;
        }

        let mut timeouts = self.timeouts.unwrap_or_default();
        let pick = |name, v: Option<Option<Duration>>, cur: Option<Duration>| -> Result<_> {
            match v {
                Some(Some(d)) => Ok(Some(positive(name, d)?)),
                Some(None) => Ok(None),
                None => Ok(cur),
            }
        };
        timeouts.connect = pick("connect timeout", self.connect_timeout, timeouts.connect)?;
        timeouts.request = pick("request timeout", self.request_timeout, timeouts.request)?;
        timeouts.stream_idle = pick(
            "stream idle timeout",
            self.stream_idle_timeout,
            timeouts.stream_idle,
        )?;
        timeouts.total = pick("total timeout", self.total_timeout, timeouts.total)?;

        if let Some(ca) = &self.ca_file
            && !ca.is_file()
        {
            return Err(Error::config(format!(
                "CA bundle {} does not exist or is not a file",
                ca.display()
            )));
        }

        Ok(ClientConfig {
            api_key,
            base_url,
            organization,
            project,
            default_headers: self.default_headers,
            default_query,
            proxy: self.proxy,
            ca_file: self.ca_file,
            timeouts,
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            user_agent: format!("openai-rs/{}", env!("CARGO_PKG_VERSION")),
            auth_style,
            azure,
        })
    }

    /// Resolves the configuration and builds the client (no network I/O happens here).
    pub fn build(self) -> Result<crate::Client> {
        crate::Client::from_config(self.resolve()?)
    }
}

pub(crate) fn check_header(name: &str, value: &str) -> Result<()> {
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::invalid_argument(format!("invalid header name {name:?}")))?;
    reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_argument(format!(
            "invalid value for header {name:?} (control characters?)"
        ))
    })?;
    Ok(())
}

/// Accepts `http(s)://host[:port][/path][/]`; strips the trailing slash so paths join cleanly.
pub(crate) fn normalize_base_url(url: &str) -> Result<String> {
    let trimmed = url.trim();
    let parsed = reqwest::Url::parse(trimmed)
        .map_err(|e| Error::config(format!("invalid base URL {trimmed:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "base URL {trimmed:?} must start with http:// or https://"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!(
            "base URL {trimmed:?} must not have a query or fragment; use default_query"
        )));
    }
    Ok(trimmed.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> EnvSource {
        EnvSource::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn to_builder_round_trips_every_setting() {
        let ca =
            std::env::temp_dir().join(format!("openai-rs-to-builder-{}.pem", std::process::id()));
        std::fs::write(&ca, "not checked until the transport is built").unwrap();
        let c = ClientBuilder::new()
            .api_key("sk-1")
            .project("proj")
            .default_header("x-a", "1")
            .default_query("api-version", "2")
            .proxy_per_scheme(Some("http://p:1".into()), None)
            .ca_file(&ca)
            .connect_timeout(Duration::from_secs(3))
            .total_timeout(Duration::from_secs(30))
            .max_retries(7)
            .env(map(&[
                ("OPENAI_BASE_URL", "http://env/v1"),
                ("OPENAI_ORG_ID", "org-env"),
            ]))
            .resolve()
            .unwrap();
        // Rebuilt with an empty environment: what came from it must be explicit in the builder.
        let again = c.to_builder().env(map(&[])).resolve().unwrap();
        assert_eq!(format!("{again:?}"), format!("{c:?}"));
        assert_eq!(again.api_key().expose(), "sk-1");
        assert_eq!(again.organization(), Some("org-env"));
        assert_eq!(again.base_url(), "http://env/v1");
        let _ = std::fs::remove_file(&ca);
    }

    #[test]
    fn explicit_beats_env() {
        let c = ClientBuilder::new()
            .api_key("sk-explicit")
            .env(map(&[
                ("OPENAI_API_KEY", "sk-env"),
                ("OPENAI_BASE_URL", "http://env/v1/"),
            ]))
            .resolve()
            .unwrap();
        assert_eq!(c.api_key().expose(), "sk-explicit");
        assert_eq!(c.base_url(), "http://env/v1");
    }

    #[test]
    fn missing_key_names_all_three_sources() {
        let e = ClientBuilder::new().env(map(&[])).resolve().unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        for needle in ["api_key", "OPENAI_API_KEY", ".env"] {
            assert!(msg.contains(needle), "{msg}");
        }
    }

    #[test]
    fn dotenv_is_last_and_never_overrides() {
        let dir = std::env::temp_dir().join(format!("oai-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(
            &path,
            "# comment\nexport OPENAI_API_KEY=\"sk-from-dotenv\"\nOPENAI_ORG_ID=org-dotenv\n",
        )
        .unwrap();
        // The process env is consulted first; this test only relies on variables that the
        // test process does not set.
        let c = ClientBuilder::new()
            .env(EnvSource::ProcessWithDotenv(path.clone()))
            .api_key("")
            .resolve();
        if std::env::var("OPENAI_API_KEY").is_err() {
            let c = c.unwrap();
            assert_eq!(c.api_key().expose(), "sk-from-dotenv");
            if std::env::var("OPENAI_ORG_ID").is_err() {
                assert_eq!(c.organization(), Some("org-dotenv"));
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn base_url_default_and_trailing_slash() {
        let c = ClientBuilder::new()
            .env(map(&[("OPENAI_API_KEY", "k")]))
            .resolve()
            .unwrap();
        assert_eq!(c.base_url(), "https://api.openai.com/v1");
        let c = ClientBuilder::new()
            .api_key("k")
            .base_url("http://127.0.0.1:9/v1/")
            .env(map(&[]))
            .resolve()
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/v1");
        for bad in ["ftp://x", "not a url", "http://x/v1?a=b"] {
            let e = ClientBuilder::new()
                .api_key("k")
                .base_url(bad)
                .env(map(&[]))
                .resolve();
            assert_eq!(e.unwrap_err().kind(), crate::ErrorKind::Config, "{bad}");
        }
    }

    #[test]
    fn key_with_newline_is_refused_without_echoing_it() {
        let e = ClientBuilder::new()
            .api_key("sk-SECRET\r\n")
            .env(map(&[]))
            .resolve()
            .unwrap_err();
        assert!(!e.to_string().contains("SECRET"));
        assert!(!format!("{e:?}").contains("SECRET"));
    }

    #[test]
    fn debug_never_shows_key_or_proxy_password() {
        let c = ClientBuilder::new()
            .api_key("sk-CANARY-123")
            .proxy("http://user:hunter2@127.0.0.1:3128")
            .env(map(&[]))
            .resolve()
            .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn timeouts_default_and_zero_refused() {
        let t = Timeouts::default();
        assert_eq!(t.connect, Some(Duration::from_secs(5)));
        assert_eq!(t.request, Some(Duration::from_secs(600)));
        assert_eq!(t.stream_idle, Some(Duration::from_secs(600)));
        assert_eq!(t.total, None);
        let e = ClientBuilder::new()
            .api_key("k")
            .request_timeout(Duration::ZERO)
            .env(map(&[]))
            .resolve()
            .unwrap_err();
        assert!(e.to_string().contains("no_timeout"), "{e}");
        let c = ClientBuilder::new()
            .api_key("k")
            .timeouts(Timeouts::no_timeout())
            .env(map(&[]))
            .resolve()
            .unwrap();
        assert_eq!(c.timeouts(), Timeouts::no_timeout());
    }

    #[test]
    fn proxy_schemes() {
        for ok in [
            "http://h:1",
            "https://h:1",
            "socks5://h:1",
            "socks5h://u:p@h:1",
        ] {
            assert!(validate_proxy_url(ok).is_ok(), "{ok}");
        }
        let e = validate_proxy_url("ftp://user:pw@h:1").unwrap_err();
        assert!(!e.to_string().contains("pw"));
    }
}
