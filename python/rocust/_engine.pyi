"""Types of the Rust extension (crates/python)."""

from typing import Any, List, Optional, Sequence, Tuple, Union

LOCUST_VERSION: str
VERSION: str

class ParsedOptions:
    custom_args: List[str]
    locustfile: str
    def namespace(self) -> dict[str, Any]: ...

def parse_args(argv: Sequence[str], custom: Optional[List[dict[str, Any]]] = ...) -> Union[ParsedOptions, int]: ...
def locustfile_option(argv: Sequence[str]) -> Union[str, int]: ...

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

class Session:
    def cookies(self) -> List[Tuple[str, str, str, str]]: ...
    def set_cookie(self, name: str, value: str, domain: str = ..., path: str = ...) -> bool: ...
    def clear_cookies(self) -> None: ...
    def close(self) -> None: ...

class Engine:
    fd: int
    runner_state: str
    def __init__(self) -> None: ...
    def run(
        self,
        options: ParsedOptions,
        classes: List[Any],
        has_shape: bool,
        http_threads: int = ...,
        shape_use_common_options: bool = ...,
    ) -> None: ...
    def drain(self) -> Tuple[List[Tuple[Any, RawResponse]], List[Tuple[Any, ...]]]: ...
    def reply(self, token: int, value: Any = ...) -> None: ...
    def set_count(self, class_name: str, count: int) -> None: ...
    def session(self, user_class: str, verify: bool = ..., host: Optional[str] = ...) -> Session: ...
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
    ) -> None: ...
    def record(
        self,
        request_type: str,
        name: str,
        response_time: Optional[float],
        response_length: int,
        error: Optional[str] = ...,
    ) -> None: ...
    def log_exception(self, msg: str, traceback: str) -> None: ...
    def start(self, user_count: int, spawn_rate: float, user_classes: Optional[List[str]] = ...) -> None: ...
    def stop(self) -> None: ...
    def quit(self) -> None: ...
    def stop_test(self, reason: str) -> None: ...
    def set_process_exit_code(self, code: int) -> None: ...
    def stats_json(self) -> str: ...
    def reset_stats(self) -> None: ...
    def close(self) -> None: ...
