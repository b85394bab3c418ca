//! The web UI of a run: what the command line and the user source tell it,
//! the log line Locust prints, and the warning Locust does not.

use std::path::PathBuf;
use std::sync::Arc;

use rocust_cli::Options;
use rocust_core::exec::BoxFuture;
use rocust_core::runner::Runner;
use rocust_web::{
    Credentials, CustomOptions, Forwarded, ForwardedResponse, RunInfo, TlsFiles, WebExtension,
    WebHost, WebUi, WebUiConfig,
};

use crate::app::{CustomOptionsHook, WebUiHooks};
use crate::logging;

/// Everything needed to start the web UI once the runner exists.
pub struct WebStart {
    config: WebUiConfig,
    info: RunInfo,
    host: Arc<dyn WebHost>,
    extension: Option<Arc<dyn WebExtension>>,
}

/// What the web UI asks of the program: the log lines, and the host of
/// users the user source spawns itself.
struct AppHost {
    set_host: Option<Arc<dyn Fn(Option<String>) + Send + Sync>>,
    custom_options: Option<Arc<CustomOptionsHook>>,
    extension: Option<Arc<dyn WebExtension>>,
}

impl WebHost for AppHost {
    fn log_lines(&self) -> Vec<String> {
        logging::recent_lines()
    }

    fn set_host(&self, host: Option<String>) {
        if let Some(set_host) = &self.set_host {
            set_host(host);
        }
    }

    fn check_custom_options(
        &self,
        form: Vec<(String, String)>,
    ) -> BoxFuture<'static, Result<CustomOptions, String>> {
        let Some(hook) = self.custom_options.clone() else {
            return Box::pin(std::future::ready(Ok(CustomOptions::none())));
        };
        Box::pin(async move {
            hook(form.clone(), false).await?;
            Ok(CustomOptions::new(move || {
                // Setting values that were just checked cannot fail.
                drop(hook(form, true));
            }))
        })
    }

    fn forward(&self, request: Forwarded) -> BoxFuture<'static, Option<ForwardedResponse>> {
        match &self.extension {
            Some(extension) => extension.forward(request),
            None => Box::pin(std::future::ready(None)),
        }
    }

    fn after_response(&self, path: &'static str, body: Vec<u8>) -> BoxFuture<'static, Vec<u8>> {
        match &self.extension {
            Some(extension) => extension.after_response(path, body),
            None => Box::pin(std::future::ready(body)),
        }
    }

    fn extra_template_args(
        &self,
    ) -> BoxFuture<'static, serde_json::Map<String, serde_json::Value>> {
        match &self.extension {
            Some(extension) => extension.extra_template_args(),
            None => Box::pin(std::future::ready(serde_json::Map::new())),
        }
    }

    fn is_logged_in(&self, headers: Vec<(String, String)>) -> BoxFuture<'static, bool> {
        match &self.extension {
            Some(extension) => extension.is_logged_in(headers),
            None => Box::pin(std::future::ready(false)),
        }
    }

    fn auth_args(
        &self,
        headers: Vec<(String, String)>,
    ) -> BoxFuture<'static, serde_json::Map<String, serde_json::Value>> {
        match &self.extension {
            Some(extension) => extension.auth_args(headers),
            None => Box::pin(std::future::ready(serde_json::Map::new())),
        }
    }
}

impl WebStart {
    /// `Err` when `--web-login` has no credentials to check.
    pub fn new(options: &Options, mut info: RunInfo, hooks: WebUiHooks) -> Result<Self, String> {
        // --web-login: credentials from the environment; else the locustfile's
        // own login (Locust's way), if it set one up; else an error that says how.
        let own_login = hooks.extension.as_ref().is_some_and(|e| e.has_own_login());
        let (login, locustfile_login) = match options.web_login {
            false => (None, false),
            true => match Credentials::from_env(|name| std::env::var(name).ok()) {
                Ok(credentials) => (Some(credentials), false),
                Err(_) if own_login => (None, true),
                Err(e) => return Err(e),
            },
        };
        let tls = match (&options.tls_cert, &options.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: PathBuf::from(cert),
                key: PathBuf::from(key),
            }),
            _ => None,
        };
        let config = WebUiConfig {
            web_host: options
                .is_given("web-host")
                .then(|| options.web_host.clone()),
            web_port: options.web_port,
            base_path: options.web_base_path.clone(),
            tls,
            display_name: options.web_host_display_name.clone(),
            login,
            locustfile_login,
        };
        info.extra_options = hooks.extra_options;
        Ok(WebStart {
            config,
            info,
            host: Arc::new(AppHost {
                set_host: hooks.set_host,
                custom_options: hooks.custom_options,
                extension: hooks.extension.clone(),
            }),
            extension: hooks.extension,
        })
    }

    /// Starts the server and prints Locust's log line (with where it
    /// listens: rocust binds loopback unless `--web-host` says otherwise).
    pub async fn start(self, runner: &Arc<dyn Runner>) -> Result<WebUi, String> {
        let display_name = self.config.display_name.clone();
        let open_to_all = self.config.web_host.is_some() && !is_loopback(&self.config);
        let has_login = self.config.login.is_some() || self.config.locustfile_login;
        let web = WebUi::start(self.config, runner.clone(), self.info, self.host).await?;
        if let Some(extension) = &self.extension {
            extension.started(web.handle());
        }
        let url = display_name.unwrap_or_else(|| web.url());
        log::info!("Starting web interface at {url}, press enter to open your default browser.");
        if open_to_all && !has_login {
            log::warn!("The web UI listens on {} without a login: anyone who can reach this machine can start and stop load tests. Use --web-host 127.0.0.1 to keep it local.", web.local_addr());
        } else {
            log::info!("The web UI listens on this machine only ({}); --web-host 0.0.0.0 opens it to others.", web.local_addr());
        }
        Ok(web)
    }
}

fn is_loopback(config: &WebUiConfig) -> bool {
    match config.web_host.as_deref() {
        None => true,
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
    }
}
