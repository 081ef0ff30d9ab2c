"""Data-parallel training: the hand-written helpers of "Training on multiple GPUs", the worker
launcher of "Concise implementation for multiple GPUs" (failing workers, timeouts, ports,
localhost only), and parity of the frameworks' engines with single-device training.

Localhost only: a real torchrun launch, as the notebook makes it, must listen on loopback
addresses only (every process of the launch, torchrun's agent included). TensorFlow is not
covered: the gRPC server of MultiWorkerMirroredStrategy listens on every interface whatever
TF_CONFIG says (GrpcServer::Init binds "0.0.0.0:<port>"; no setting changes it), as the
notebook tells the reader.

Parity tolerances: parameters after a few SGD steps agree within atol 1e-5 (measured
differences are around 1e-7, float32 rounding of a different summation order):
- PyTorch: DistributedDataParallel with 2 gloo worker processes vs plain training in one
  process, the same global minibatches and seed;
- TensorFlow: MirroredStrategy on 2 logical CPU devices vs one device, in a fresh process
  (logical devices must be configured before TensorFlow starts). MirroredStrategy runs the
  same all-reduce path as MultiWorkerMirroredStrategy without the gRPC servers, and runs
  reliably in seconds on a 2-core machine; the notebook runs MultiWorkerMirroredStrategy.
"""

import ipaddress
import json
import os
import shutil
import socket
import struct
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import d2lutils as d2l

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")

from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

PY = sys.executable
#: Keep each worker to one thread: the tests may share two cores with other work.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}


def _gone(pid, wait=5.0):
    """True once ``pid`` no longer exists (os.kill(pid, 0) raises) or is only a zombie."""
    deadline = time.monotonic() + wait
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # an orphan that init has not reaped yet is dead, only not buried
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _descendants(root):
    """The pids of every living descendant of ``root`` (by parent pid: torchrun starts its
    workers in sessions of their own)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parent.items() if ppid in frontier} - found
        found |= frontier
    return found


def _decode_address(hex_address):
    """'0100007F:1F90' (as /proc/net/tcp* write it) -> ('127.0.0.1', 8080)."""
    ip, port = hex_address.split(":")
    raw = bytes.fromhex(ip)  # 32-bit words in host (little-endian) order
    raw = b"".join(struct.pack(">I", struct.unpack("<I", raw[i : i + 4])[0]) for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(raw)), int(port, 16)


def _listening_sockets(pids):
    """{(address, port): pid} for the listening TCP sockets the processes ``pids`` hold."""
    owner = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                owner[target[8:-1]] = pid
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in owner:  # 0A: LISTEN
                    found[_decode_address(fields[1])] = owner[fields[9]]
    return found


def _show(address, port):
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _is_loopback(address):
    ip = ipaddress.ip_address(address)
    return ip.is_loopback or bool(getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback)


# --- the hand-written helpers -----------------------------------------------------------


def test_split_batch_shards_evenly_in_both_frameworks():
    X_pt, y_pt = d2l_pt.split_batch(torch.arange(10).reshape(5, 2), torch.arange(5), ["cpu", "cpu"])
    X_tf, y_tf = d2l_tf.split_batch(tf.reshape(tf.range(10), (5, 2)), tf.range(5), ["/CPU:0", "/CPU:0"])
    assert [len(s) for s in y_pt] == [len(s) for s in y_tf] == [3, 2]
    for a, b in zip(X_pt + y_pt, X_tf + y_tf):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="devices"):
        d2l_pt.split_batch(torch.zeros(4), torch.zeros(4), [])
    with pytest.raises(ValueError, match="cannot be split"):
        d2l_tf.split_batch(tf.zeros(1), tf.zeros(1), ["/CPU:0", "/CPU:0"])


def test_split_batch_tf_with_unknown_batch_size():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.int32), tf.TensorSpec([None], tf.int32)])
    def sizes(X, y):
        return [tf.shape(s)[0] for s in d2l_tf.split_batch(X, y, ["/CPU:0"] * 3)[1]]

    assert [int(s) for s in sizes(tf.zeros((7, 2), tf.int32), tf.zeros(7, tf.int32))] == [3, 2, 2]


def test_allreduce_sums_onto_every_device():
    data_pt = [torch.full((2,), float(i + 1)) for i in range(3)]
    assert d2l_pt.allreduce(data_pt) is data_pt
    data_tf = d2l_tf.allreduce([tf.fill((2,), float(i + 1)) for i in range(3)])
    for a, b in zip(data_pt, data_tf):
        np.testing.assert_array_equal(a.numpy(), [6.0, 6.0])
        np.testing.assert_array_equal(b.numpy(), [6.0, 6.0])
    with pytest.raises(ValueError, match="data"):
        d2l_pt.allreduce([])
    with pytest.raises(ValueError, match="data"):
        d2l_tf.allreduce([])


# --- the launcher ---------------------------------------------------------------------------


def test_free_port_binds_localhost_and_skips_a_port_in_use():
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        taken = busy.getsockname()[1]
        ports = {d2l.free_port() for _ in range(5)}
        assert taken not in ports
        for port in ports:  # each is really free on 127.0.0.1
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
    finally:
        busy.close()
    with pytest.raises(ValueError, match="host"):
        d2l.free_port("")


def test_run_workers_returns_outputs_with_per_worker_env():
    code = "import os; print('worker', os.environ['IDX'])"
    outputs = d2l.run_workers([[PY, "-c", code]] * 2, env=[{"IDX": 0}, {"IDX": 1}], timeout=60)
    assert outputs == ["worker 0\n", "worker 1\n"]


@pytest.mark.parametrize(
    "commands, env, timeout, error",
    [
        ([], None, 10, ValueError),
        (["python -c pass"], None, 10, TypeError),
        ([[PY, "-c", "pass"]], [{}, {}], 10, TypeError),
        ([[PY, "-c", "pass"]], None, 0, ValueError),
    ],
)
def test_run_workers_validates_arguments(commands, env, timeout, error):
    with pytest.raises(error):
        d2l.run_workers(commands, env=env, timeout=timeout)


def test_run_workers_applies_localhost_env_by_default():
    settings = d2l.localhost_env()
    assert settings["TORCH_DISABLE_SHARE_RDZV_TCP_STORE"] == "1"
    loopback = {name for _, name in socket.if_nameindex()} & {"lo", "lo0"}
    assert settings["GLOO_SOCKET_IFNAME"] == settings["NCCL_SOCKET_IFNAME"] in loopback
    names = ("GLOO_SOCKET_IFNAME", "TORCH_DISABLE_SHARE_RDZV_TCP_STORE")
    code = f"import os; print(*(os.environ.get(name) for name in {names!r}))"
    default, override = d2l.run_workers([[PY, "-c", code]] * 2, env=[{}, {"GLOO_SOCKET_IFNAME": "eth9"}])
    assert default.split() == [settings["GLOO_SOCKET_IFNAME"], "1"]
    assert override.split() == ["eth9", "1"]  # the caller's env wins
    (plain,) = d2l.run_workers([[PY, "-c", code]], env={"GLOO_SOCKET_IFNAME": "x"}, localhost=False)
    assert plain.split()[1] == str(os.environ.get("TORCH_DISABLE_SHARE_RDZV_TCP_STORE"))
    with pytest.raises(TypeError, match="localhost"):
        d2l.run_workers([[PY, "-c", "pass"]], localhost="yes")


def test_failing_worker_stops_the_others_and_shows_its_error(tmp_path):
    """Worker 0 waits (with a child of its own, as torchrun has); worker 1 fails once both
    are running. The error names worker 1 and shows its stderr; no process is left."""
    pids = tmp_path / "pids"
    waiting = textwrap.dedent(f"""\
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        open({str(pids)!r}, "w").write(f"{{__import__('os').getpid()}} {{child.pid}}")
        time.sleep(120)
        """)
    failing = textwrap.dedent(f"""\
        import os, sys, time
        while not os.path.exists({str(pids)!r}) or not open({str(pids)!r}).read():
            time.sleep(0.02)
        sys.exit("worker 1: simulated crash")
        """)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"(?s)worker 1 failed.*simulated crash"):
        d2l.run_workers([[PY, "-c", waiting], [PY, "-c", failing]], timeout=60)
    assert time.monotonic() - start < 30, "the waiting worker was not stopped promptly"
    for pid in map(int, pids.read_text().split()):
        assert _gone(pid), f"process {pid} survived run_workers"


def test_timeout_stops_every_worker(tmp_path):
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    with pytest.raises(RuntimeError, match="timeout"):
        d2l.run_workers([[PY, "-c", code]], timeout=3)
    assert _gone(int(pid_file.read_text()))


# --- parity of the engines with single-device training -------------------------------------

DDP_WORKER = '''
import json, os, socket, sys
import numpy as np
import torch
import torch.distributed as dist
from torch import nn


def listening_sockets():
    """Local addresses of this process's listening TCP sockets, as /proc/net/tcp* writes them."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.append(fields[1])
    return found


torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
generator = torch.Generator().manual_seed(1)
X = torch.rand(64, 1, 8, 8, generator=generator)
y = torch.randint(0, 10, (64,), generator=generator)
mode, out = sys.argv[1], sys.argv[2]
rank, world = (0, 1) if mode == "plain" else (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]))
model = net
if mode == "ddp":
    store = None
    if rank == 0:  # host the meeting point on 127.0.0.1 only
        listener = socket.socket()
        listener.bind(("127.0.0.1", int(os.environ["MASTER_PORT"])))
        listener.listen()
        store = dist.TCPStore("127.0.0.1", int(os.environ["MASTER_PORT"]), world, is_master=True,
                              master_listen_fd=listener.detach())
    else:
        store = dist.TCPStore("127.0.0.1", int(os.environ["MASTER_PORT"]), world, is_master=False)
    dist.init_process_group("gloo", store=store, rank=rank, world_size=world)
    model = nn.parallel.DistributedDataParallel(net)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
loss = nn.CrossEntropyLoss()
global_batch, share = 16, 16 // world
for start in range(0, 64, global_batch):  # the same global minibatches; each rank its share
    lo = start + rank * share
    optimizer.zero_grad()
    loss(model(X[lo:lo + share]), y[lo:lo + share]).backward()
    optimizer.step()
sockets = listening_sockets() if mode == "ddp" else []
if mode == "ddp":
    dist.barrier()
if rank == 0:
    np.savez(out, *[p.detach().numpy() for p in net.parameters()])
print(json.dumps({"rank": rank, "listening": sockets}))
if mode == "ddp":
    dist.destroy_process_group()
'''


@pytest.mark.notebooks
@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's /proc/net/tcp")
def test_ddp_two_gloo_workers_match_single_process_and_listen_on_localhost(tmp_path):
    script = tmp_path / "ddp_worker.py"
    script.write_text(DDP_WORKER)
    port = d2l.free_port()
    common = {**ONE_THREAD, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port, "GLOO_SOCKET_IFNAME": "lo"}
    ddp_out, plain_out = tmp_path / "ddp.npz", tmp_path / "plain.npz"
    outputs = d2l.run_workers(
        [[PY, str(script), "ddp", str(ddp_out)]] * 2 + [[PY, str(script), "plain", str(plain_out)]],
        env=[{**common, "RANK": 0, "WORLD_SIZE": 2}, {**common, "RANK": 1, "WORLD_SIZE": 2}, ONE_THREAD],
        timeout=120,
    )
    ddp, plain = np.load(ddp_out), np.load(plain_out)
    print(
        f"DDP (2 gloo workers) vs one process: max difference "
        f"{max(float(np.abs(ddp[k] - plain[k]).max()) for k in plain.files):.1e}"
    )
    for key in plain.files:
        np.testing.assert_allclose(ddp[key], plain[key], rtol=0, atol=1e-5)
    # the parameters moved (the comparison is not of two untouched initialisations)
    assert not np.allclose(plain["arr_0"], _initial_conv_weight(), atol=1e-3)
    loopback = ("0100007F:", "00000000000000000000000001000000:")  # 127.0.0.1, ::1
    listening = [a for out in outputs[:2] for a in json.loads(out.splitlines()[-1])["listening"]]
    assert listening, "the DDP workers should listen for their peers"
    assert all(a.startswith(loopback) for a in listening), f"non-local listening sockets: {listening}"


TORCHRUN_WORKER = """
import json, os, socket, time
import torch
import torch.distributed as dist

rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
# join_group of the notebook's DDP script: rank 0 hosts the store on MASTER_ADDR only
if os.environ.get("TORCHELASTIC_USE_AGENT_STORE") == "True":
    dist.init_process_group("gloo")  # torchrun's agent hosts the store
else:
    addr, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
    listen_fd = socket.create_server((addr, port)).detach() if rank == 0 else None
    store = dist.TCPStore(addr, port, world_size, is_master=rank == 0, master_listen_fd=listen_fd)
    dist.init_process_group("gloo", store=store, rank=rank, world_size=world_size)
total = torch.ones(1)
dist.all_reduce(total)
time.sleep(1.0)  # every socket is open now: give the test's sampler time to see them
dist.barrier()
print(json.dumps({"rank": rank, "sum": float(total)}), flush=True)
dist.destroy_process_group()
"""


@pytest.mark.notebooks
@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's /proc/net/tcp")
def test_torchrun_launch_listens_on_loopback_only(tmp_path):
    """torchrun with two gloo workers, launched as the notebook does; while it runs, sample
    the listening sockets of every process under this one (torchrun's agent and workers).
    Without the localhost settings (run_workers(..., localhost=False) or --standalone), the
    agent's TCPStores listen on [::]; without the bound socket, rank 0's store does."""
    script = tmp_path / "worker.py"
    script.write_text(TORCHRUN_WORKER)
    torchrun = shutil.which("torchrun") or str(Path(PY).with_name("torchrun"))
    command = [torchrun, "--nnodes=1", "--nproc_per_node=2", "--rdzv-backend=c10d",
               "--rdzv-conf=store_type=file", f"--rdzv-endpoint={tmp_path / 'rendezvous'}",
               "--rdzv-id=test", "--local-addr=127.0.0.1", str(script)]  # fmt: skip
    seen, done = {}, threading.Event()

    def sample():
        while not done.is_set():
            seen.update(_listening_sockets(_descendants(os.getpid())))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        (output,) = d2l.run_workers([command], env=ONE_THREAD, timeout=120)
    finally:
        done.set()
        sampler.join()
    results = sorted(json.loads(line)["rank"] for line in output.splitlines() if line.startswith("{"))
    assert results == [0, 1], output
    print("listening:", ", ".join(f"{_show(*a)} (pid {pid})" for a, pid in sorted(seen.items())))
    assert len(set(seen.values())) >= 2, f"expected both workers' gloo listeners, saw {seen}"
    non_local = {_show(*a): pid for a, pid in seen.items() if not _is_loopback(a[0])}
    assert not non_local, f"listening on non-loopback addresses: {non_local}"


def _initial_conv_weight():
    torch.manual_seed(0)
    return torch.nn.Conv2d(1, 4, 3).weight.detach().numpy()


MIRRORED_WORKER = """
import json
import d2lutils  # noqa: F401  (quiet start-up)
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras

rng = np.random.default_rng(1)
X = rng.random((64, 8, 8, 1), dtype=np.float32)
y = rng.integers(0, 10, 64)


def train(strategy):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        net = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                                keras.layers.Flatten(), keras.layers.Dense(10)])
        net.compile(optimizer=keras.optimizers.SGD(0.5),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    initial = [w.copy() for w in net.get_weights()]
    net.fit(tf.data.Dataset.from_tensor_slices((X, y)).batch(16), epochs=1, shuffle=False, verbose=0)
    return initial, net.get_weights()


init_two, two = train(tf.distribute.MirroredStrategy(["/CPU:0", "/CPU:1"]))
init_one, one = train(tf.distribute.OneDeviceStrategy("/CPU:0"))
print(json.dumps({
    "same_start": max(float(np.abs(a - b).max()) for a, b in zip(init_two, init_one)),
    "moved": max(float(np.abs(a - b).max()) for a, b in zip(init_one, one)),
    "diff": max(float(np.abs(a - b).max()) for a, b in zip(two, one)),
}))
"""


@pytest.mark.notebooks
def test_mirrored_strategy_on_two_logical_devices_matches_one_device(tmp_path):
    script = tmp_path / "mirrored_worker.py"
    script.write_text(MIRRORED_WORKER)
    (output,) = d2l.run_workers([[PY, str(script)]], env=ONE_THREAD, timeout=180)
    result = json.loads(output.strip().splitlines()[-1])
    print(f"MirroredStrategy (2 logical devices) vs one device: max difference {result['diff']:.1e}")
    assert result["same_start"] == 0, "both runs must start from the same weights"
    assert result["moved"] > 1e-3, "training must change the weights"
    assert result["diff"] < 1e-5, f"MirroredStrategy (2 devices) vs one device: {result}"
