"""Types of the Rust extension (crates/python)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

LOCUST_VERSION: str
VERSION: str

class ParsedOptions:
    custom_args: List[str]
    locustfile: str
    def namespace(self) -> dict[str, Any]: ...

def parse_args(argv: Sequence[str], custom: Optional[List[dict[str, Any]]] = ...) -> Union[ParsedOptions, int]: ...
def locustfile_option(argv: Sequence[str]) -> Union[str, int]: ...

class BodyStream:
    chunked: bool
    def close(self) -> None: ...

class Tls:
    def __init__(
        self,
        verify: bool = ...,
        check_hostname: bool = ...,
        ca_files: Sequence[str] = ...,
        ca_dirs: Sequence[str] = ...,
        ca_data: Sequence[bytes] = ...,
        default_roots: bool = ...,
        cert_file: Optional[str] = ...,
        key_file: Optional[str] = ...,
        min_version: Optional[str] = ...,
        max_version: Optional[str] = ...,
    ) -> None: ...

class RawResponse:
    status: int
    reason: str
    headers: List[Tuple[str, str]]
    body: bytes
    url: str
    history: List[Any]
    elapsed: float
    error: Optional[str]
    recorded: bool
    request_headers: List[Tuple[str, str]]
    start_time: float
    stream: Optional[BodyStream]

class Session:
    def cookies(self) -> List[Tuple[str, str, str, str]]: ...
    def set_cookie(self, name: str, value: str, domain: str = ..., path: str = ...) -> bool: ...
    def clear_cookies(self) -> None: ...
    def close(self) -> None: ...

#: The operations of Engine.ws_io.
WS_SEND: int
WS_RECV: int
WS_PING: int
WS_CLOSE: int

class WebSocket:
    """A WebSocket client on one HTTP thread (Engine.websocket)."""

    @property
    def subprotocol(self) -> Optional[str]: ...
    @property
    def connected(self) -> bool: ...

class Event:
    """A runner event whose Python listeners run before the runner goes on."""

    Init: "Event"
    TestStart: "Event"
    TestStopping: "Event"
    TestStop: "Event"
    ResetStats: "Event"
    Quitting: "Event"

class Command:
    """What the Rust runner asks of the Python side; one subclass per command. Every
    command but Exit has a token and must be answered once (done/failed/shape_tick)."""

    class SelectClasses(Command):
        token: int
        names: List[str]

    class ApplyFilter(Command):
        token: int
        tags: Optional[List[str]]
        exclude_tags: Optional[List[str]]
        equal_weights: bool

    class Spawn(Command):
        token: int
        user_class: str
        count: int

    class StopUsers(Command):
        token: int
        counts: Dict[str, int]
        stop_timeout: Optional[float]

    class KillAll(Command):
        token: int

    class FireEvent(Command):
        token: int
        event: Event

    class SpawningComplete(Command):
        token: int
        user_count: int

    class Quit(Command):
        token: int
        exit_code: int

    class ShapeTick(Command):
        token: int
        started: float

    class SetHost(Command):
        token: int
        host: Optional[str]

    class CustomMessage(Command):
        token: int
        msg_type: str
        data: bytes
        node_id: str

    class DistEvent(Command):
        token: int
        name: str
        kwargs: bytes

    class CustomOptions(Command):
        token: int
        form: List[Tuple[str, str]]
        apply: bool

    class WebRequest(Command):
        token: int
        method: str
        path: str
        query: str
        headers: List[Tuple[str, str]]
        body: bytes

    class WebAfterRequest(Command):
        token: int
        path: str
        body: bytes

    class WebTemplateArgs(Command):
        token: int

    class WebAuthCheck(Command):
        token: int
        headers: List[Tuple[str, str]]

    class WebAuthArgs(Command):
        token: int
        headers: List[Tuple[str, str]]

    class UpdateUserClass(Command):
        token: int
        settings: str

    class Exit(Command):
        code: int

class Engine:
    fd: int
    runner_state: str
    target_user_count: int
    mode: str
    worker_index: int
    node_id: Optional[str]
    worker_count: int
    def __init__(self) -> None: ...
    def start_http(self, threads: int) -> None: ...
    def run(
        self,
        options: ParsedOptions,
        classes: List[Any],
        has_shape: bool,
        http_threads: int = ...,
        shape_use_common_options: bool = ...,
        locustfile: str = ...,
        shape_name: Optional[str] = ...,
        web_ui_options: str = ...,
    ) -> None: ...
    def drain(self) -> Tuple[List[Tuple[Any, RawResponse]], List[Command]]: ...
    def log_line(self, line: str) -> None: ...
    def web_reply(self, token: int, status: int, headers: List[Tuple[str, str]], body: bytes) -> None: ...
    def text_reply(self, token: int, text: str) -> None: ...
    def web_extended(self) -> None: ...
    def web_own_login(self) -> None: ...
    def web_template_args(self) -> Optional[str]: ...
    def web_stop(self) -> None: ...
    @staticmethod
    def web_page_template() -> str: ...
    def done(self, token: int) -> None: ...
    def failed(self, token: int, message: str) -> None: ...
    def shape_tick(
        self,
        token: int,
        user_count: Optional[int] = ...,
        spawn_rate: float = ...,
        user_classes: Optional[List[str]] = ...,
    ) -> None: ...
    def mark_unhandled_exception(self) -> None: ...
    def set_count(self, class_name: str, count: int) -> None: ...
    def session(self, user_class: str, verify: bool = ..., host: Optional[str] = ...) -> Session: ...
    def websocket(self, session: Session, request_type: str) -> WebSocket: ...
    def ws_connect(
        self,
        socket: WebSocket,
        waiter: Any,
        url: str,
        headers: List[Tuple[str, str]],
        subprotocols: List[str],
        timeout: Optional[float],
        name: Optional[str],
        record: bool,
    ) -> None: ...
    def ws_io(
        self,
        socket: WebSocket,
        waiter: Any,
        op: int,
        data: Union[str, bytes, None],
        timeout: Optional[float],
        name: Optional[str],
        record: bool,
    ) -> None: ...
    def send(
        self,
        session: Session,
        waiter: Any,
        method: str,
        url: str,
        headers: List[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        allow_redirects: bool,
        record_name: Optional[str],
        fail_rule: int,
        tls: Optional[Tls] = ...,
        stream: bool = ...,
    ) -> None: ...
    def read_body(
        self, stream: BodyStream, waiter: Any, want: int, limit: int, per_chunk: bool, decode: bool
    ) -> None: ...
    def record(
        self,
        request_type: str,
        name: str,
        response_time: Optional[float],
        response_length: int,
        error: Optional[str] = ...,
        status_code: Optional[int] = ...,
    ) -> None: ...
    def log_exception(self, msg: str, traceback: str) -> None: ...
    def send_message(self, msg_type: str, data: Any = ..., client_id: Optional[str] = ...) -> None: ...
    def unpack(self, data: bytes) -> Any: ...
    def want_event(self, name: str) -> None: ...
    def workers(self) -> List[Tuple[str, str, int, float, int]]: ...
    def start(self, user_count: int, spawn_rate: float, user_classes: Optional[List[str]] = ...) -> None: ...
    def stop(self) -> None: ...
    def quit(self) -> None: ...
    def stop_test(self, reason: str) -> None: ...
    def set_process_exit_code(self, code: int) -> None: ...
    def set_report_settings(
        self,
        percentiles: List[float],
        console_interval: float,
        csv_interval: float,
        history_interval: float,
        name_width: Optional[int] = ...,
    ) -> None: ...
    def current_response_time_percentile(self, name: str, method: str, percent: float) -> Optional[int]: ...
    def stats_json(self) -> str: ...
    def reset_stats(self) -> None: ...
    def close(self) -> None: ...

def download_locustfiles(master_host: str, master_port: int) -> List[Union[Tuple[str, str], str]]: ...
def early_options(argv: List[str]) -> Union[Dict[str, Any], int]: ...
