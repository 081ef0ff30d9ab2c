"""Starting local worker processes for distributed training (explained in "Concise
implementation for multiple GPUs").

Framework-free: a worker is any command (a list of arguments, e.g. ``["torchrun", ...]`` or
``[sys.executable, "train.py"]``). :func:`free_port` finds a TCP port on 127.0.0.1 for the
workers to meet at; :func:`localhost_env` holds the settings that keep PyTorch's worker
sockets on the loopback interface; :func:`run_workers` starts the workers (with those
settings), collects their output and always cleans up: when one fails or the time runs out,
the others are stopped, and no process (nor any process a worker started, such as torchrun's
children) is left behind.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time

__all__ = ["free_port", "localhost_env", "run_workers"]

LOCALHOST = "127.0.0.1"


def free_port(host=LOCALHOST):
    """Return a TCP port that is free on ``host`` (127.0.0.1), chosen by the operating system.

    Binding to port 0 asks the system for any free port, so a port already in use is never
    returned. The port is released before returning; the workers bind it a moment later.

    Explained in "Concise implementation for multiple GPUs".
    """
    if not isinstance(host, str) or not host:
        raise ValueError(f"host must be a non-empty str, got {host!r}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _loopback_interface():
    """The name of the loopback network interface: ``lo`` on Linux, ``lo0`` on macOS and BSD."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except OSError:  # no interface list (unusual): assume Linux
        names = []
    return next((name for name in ("lo", "lo0") if name in names), "lo")


def localhost_env():
    """Environment settings that keep PyTorch's worker sockets on the loopback interface.

    - ``GLOO_SOCKET_IFNAME`` and ``NCCL_SOCKET_IFNAME``: the interface whose address the
      ``gloo`` and ``nccl`` backends listen on for their peers (by default gloo takes the
      address the machine's host name resolves to, which may be a network address);
    - ``TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1``: ``torchrun``'s agent does not host a key-value
      store (a TCPStore) for the workers; the workers meet at ``MASTER_ADDR:MASTER_PORT``,
      hosted by rank 0 (a TCPStore server listens on every interface unless it is handed a
      socket bound to one address; the book's DDP script binds it to ``MASTER_ADDR``).

    TensorFlow has no such setting: its gRPC server listens on every interface (see the
    section). For runs across machines, leave these out (``run_workers(..., localhost=False)``)
    and give the interface that connects the machines instead.

    Explained in "Concise implementation for multiple GPUs".
    """
    loopback = _loopback_interface()
    return {
        "GLOO_SOCKET_IFNAME": loopback,
        "NCCL_SOCKET_IFNAME": loopback,
        "TORCH_DISABLE_SHARE_RDZV_TCP_STORE": "1",
    }


def _stop(processes, grace=5.0):
    """Terminate every still-running process group, then kill what is left after ``grace`` s."""
    for proc in processes:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    for proc in processes:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for proc in processes:
        # The leader may be gone while its children (torchrun's workers) still run: kill the
        # whole group whatever the leader's state.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()


def _tail(text, lines=20):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_workers(commands, env=None, timeout=300, cwd=None, localhost=True):
    """Run worker processes side by side; return their standard outputs, in order.

    ``commands`` is a list of argument lists, one per worker. ``env`` is added to this
    process's environment: one dict for every worker, or a list with one dict per worker (for
    settings such as TF_CONFIG that differ between workers). With ``localhost=True`` the
    settings of :func:`localhost_env` come first (``env`` overrides them), so that PyTorch's
    workers listen on the loopback interface only. Each worker runs in its own
    process group, so that everything it starts can be stopped with it. When a worker exits
    with an error, or ``timeout`` seconds pass, the others are terminated (and killed if they
    do not stop within 5 s), and a ``RuntimeError`` shows the failing worker's command and the
    end of its standard error. Standard error of successful workers is discarded.

    Explained in "Concise implementation for multiple GPUs".
    """
    if not isinstance(commands, list | tuple) or not commands:
        raise ValueError(f"commands must be a non-empty list of argument lists, got {commands!r}")
    for command in commands:
        if (
            not isinstance(command, list | tuple)
            or not command
            or not all(isinstance(a, str) for a in command)
        ):
            raise TypeError(f"commands must hold lists of str arguments, got {command!r}")
    if env is None or isinstance(env, dict):
        envs = [env or {}] * len(commands)
    elif (
        isinstance(env, list | tuple) and len(env) == len(commands) and all(isinstance(e, dict) for e in env)
    ):
        envs = list(env)
    else:
        raise TypeError(f"env must be None, a dict or a list of {len(commands)} dicts, got {env!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not isinstance(localhost, bool):
        raise TypeError(f"localhost must be a bool, got {localhost!r}")
    base = {**os.environ, **(localhost_env() if localhost else {})}

    processes, logs = [], []
    try:
        for command, extra in zip(commands, envs):
            out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
            logs.append((out, err))
            processes.append(
                subprocess.Popen(
                    list(command),
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    env={**base, **{k: str(v) for k, v in extra.items()}},
                    cwd=cwd,
                    start_new_session=True,  # its own process group, see _stop
                )
            )
        deadline = time.monotonic() + timeout
        failed = None
        while failed is None:
            codes = [proc.poll() for proc in processes]
            failed = next((i for i, code in enumerate(codes) if code not in (None, 0)), None)
            if failed is None and all(code == 0 for code in codes):
                break
            if failed is None and time.monotonic() > deadline:
                _stop(processes)
                raise RuntimeError(
                    f"run_workers: timeout of {timeout} s reached; all {len(processes)} workers stopped"
                )
            time.sleep(0.05)
        if failed is not None:
            _stop(processes)
            err = logs[failed][1]
            err.seek(0)
            raise RuntimeError(
                f"worker {failed} failed with exit code {processes[failed].returncode}: "
                f"{' '.join(commands[failed])}\n--- end of its stderr ---\n{_tail(err.read())}"
            )
        outputs = []
        for out, _ in logs:
            out.seek(0)
            outputs.append(out.read())
        return outputs
    finally:
        _stop(processes)  # also on KeyboardInterrupt: nothing survives this function
        for out, err in logs:
            out.close()
            err.close()
