"""The benchmarks' synthetic corpus and throw-away Django: mixed Japanese/English incidents with words drawn
with Zipf-like weights, written into a temporary SQLite database in bulk.

Used by search_bench.py and export_bench.py (bench/ is on the path when either runs).
"""

import contextlib
import os
import shutil
import sys
import tempfile
from bisect import bisect
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A vocabulary large enough that words are not in every incident; words are drawn with Zipf-like
# weights (a few very common, most rare), as in real write-ups.
JA_NOUNS = """コンテナ ノード データベース ロードバランサ キャッシュ ジョブキュー 証明書 名前解決 ネットワーク ディスク
メモリ ワーカー バッチ処理 監視エージェント 認証基盤 ストレージ レプリカ プライマリ フェイルオーバー 接続プール
スレッド プロセス ゾンビプロセス ファイルディスクリプタ ソケット コネクション タイムアウト リトライ 再送 パケット
ルーティング テーブル ファイアウォール セキュリティグループ サブネット ゲートウェイ プロキシ 逆プロキシ 負荷分散
オートスケール スケールアウト デプロイ ロールバック カナリア リリース 設定ファイル 環境変数 シークレット トークン
セッション クッキー ログ収集 メトリクス アラート ダッシュボード 閾値 ページャー オンコール 手順書 障害対応
データ移行 スキーマ変更 インデックス スロークエリ デッドロック ロック待ち トランザクション レプリケーション遅延
バックアップ リストア スナップショット ボリューム マウント ファイルシステム 容量 iノード カーネル ドライバ
ファームウェア 時刻同期 うるう秒 タイムゾーン 文字コード 依存ライブラリ ビルド キャッシュ汚染 メッセージキュー
コンシューマ プロデューサ パーティション オフセット 重複配信 順序保証 冪等性 ヘルスチェック 死活監視 ポート枯渇
エフェメラルポート 帯域 輻輳 パケットロス 再起動 メモリリーク OOM スワップ CPU使用率 負荷 スパイク 夜間バッチ
外部API レート制限 課金 決済 通知 メール送信 プッシュ通知 検索基盤 全文検索 画像変換 動画配信 CDN オリジン""".split()
JA_PREDICATES = """が応答しなくなった が枯渇した が上限に達した が急増した が遅延した が失敗し続けた が停止した
が再起動を繰り返した が古い値を返した が誤って削除された が書き換わった が詰まった が不整合になった
に到達できなくなった が切れた がタイムアウトした が壊れた が漏れ続けた が二重に実行された が取りこぼされた
が暴走した が飽和した が溢れた が期限切れになった が読めなくなった が戻らなかった が遅れて届いた""".split()
JA_GLUE = """調査の結果、 アラートを受けて 再発防止として 一時対応として ログを確認すると 原因は 影響範囲は
切り戻し後に 深夜帯に リリース直後に 週末に 月初の集計で 負荷試験中に 本番環境で 検証環境でも""".split()
EN_TERMS = ["pid_max", "aardvark-dns", "datadog-agent", "kubelet", "aws-node", "nginx", "postgres", "redis",
            "OOMKilled", "ECONNRESET", "ETIMEDOUT", "EADDRINUSE", "SIGKILL", "/proc/sys/kernel/pid_max",
            "172.31.0.0/16", "10.0.3.0/24", "daemon.json", "systemd", "dbus", "node_exporter", "pprof", "goroutine",
            "max_connections", "vm.max_map_count", "net.core.somaxconn", "nf_conntrack", "iptables", "coredns",
            "etcd", "kube-proxy", "istio-proxy", "envoy", "haproxy", "pgbouncer", "sidekiq", "celery", "kafka",
            "zookeeper", "elasticsearch", "logstash", "fluent-bit", "prometheus", "alertmanager", "grafana",
            "terraform", "ansible", "helm", "argocd", "jenkins", "github-actions", "s3", "ec2", "rds", "elb",
            "route53", "cloudfront", "lambda", "dynamodb", "sqs", "sns", "ecs", "eks", "fargate", "ebs", "efs",
            "HTTP 502", "HTTP 503", "HTTP 504", "TLS 1.3", "x509", "ulimit", "tcp_tw_reuse", "keepalive",
            "gc pause", "heap", "OutOfMemoryError", "StackOverflowError", "segfault", "core dump", "cron",
            *[f"svc-{i}-api" for i in range(60)], *[f"/var/log/app-{i}.log" for i in range(20)]]
EN_PHRASES = ["No route to host", "connection refused", "TLS handshake timeout", "502 Bad Gateway",
              "too many open files", "no space left on device", "context deadline exceeded", "broken pipe",
              "certificate has expired", "out of memory", "connection reset by peer", "read timed out",
              "resource temporarily unavailable", "name or service not known", "permission denied",
              "disk quota exceeded", "deadlock detected", "lock wait timeout exceeded", "too many connections",
              "server closed the connection unexpectedly", "upstream prematurely closed connection",
              "could not resolve host", "network is unreachable", "address already in use",
              "request entity too large", "gateway timeout", "service unavailable", "invalid memory address",
              "index out of range", "cannot allocate memory"]
TAGS = [f"tag-{i}" for i in range(40)] + ["dns", "memory-leak", "network", "kubernetes", "eks", "podman", "docker",
                                         "datadog", "resource-exhaustion", "tls", "database", "queue", "postmortem"]
SERVICES = [f"svc-{i}" for i in range(30)] + ["nginx", "postgres", "redis", "aws-node", "kubelet", "datadog-agent"]
CATEGORIES = ["defect", "dependency", "change", "configuration", "resource-exhaustion", "capacity", "network",
              "environment", "monitoring-gap", "process", "third-party", "other"]


def zipf(words, exponent=1.1):
    """The words and their cumulative weights (given to ``choices`` as such, they are not summed again on
    every draw: the same draws, several times faster)."""
    return words, list(accumulate(1 / (rank + 1) ** exponent for rank in range(len(words))))


def pick(rng, vocabulary):
    """A word drawn by weight: ``rng.choices(words, cum_weights=cumulative)[0]`` (the same draw), inlined."""
    words, cumulative = vocabulary
    return words[bisect(cumulative, rng.random() * cumulative[-1], 0, len(words) - 1)]


NOUNS, PREDICATES, GLUE, TERMS = zipf(JA_NOUNS), zipf(JA_PREDICATES), zipf(JA_GLUE), zipf(EN_TERMS)
PHRASES = zipf(EN_PHRASES)


def sentence(rng):
    parts = [pick(rng, GLUE), pick(rng, NOUNS), "の", pick(rng, NOUNS), pick(rng, PREDICATES), "。"]
    if rng.random() < 0.5:
        parts.insert(3, f" `{pick(rng, TERMS)}` ")
    if rng.random() < 0.1:
        parts.append(f"ログには `{pick(rng, PHRASES)}` と出ていた。")
    return "".join(parts)


def paragraph(rng, n):
    return "".join(sentence(rng) for _ in range(n))


@contextlib.contextmanager
def throwaway_directory(prefix, keep=False):
    """A temporary directory, removed afterwards unless ``keep``."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield directory
    finally:
        if keep:
            print(f"kept {directory}", flush=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def throwaway_django(prefix, keep=False):
    """Django on a new SQLite database and search index in a temporary directory, removed afterwards
    unless ``keep``; yields the directory."""
    with throwaway_directory(prefix, keep) as directory:
        setup_django(directory)
        yield directory


def database_path(directory):
    return directory / "bench.sqlite3"


def setup_django(data_dir, database=None, database_url=None):
    """Django on the SQLite database ``database`` (default: one in ``data_dir``) or on ``database_url``,
    migrated, with its data (the search index) in ``data_dir``."""
    os.environ["POSTMORTEM_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{database or database_path(data_dir)}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postmortem.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(count, rng):
    """``count`` incidents with their timeline, factors, lessons, tags and services, in bulk."""
    from django.db import connection, transaction

    from incidents.models import Service, Tag

    tags = {t.name: t for t in Tag.objects.bulk_create([Tag(name=n) for n in TAGS])}
    services = {s.name: s for s in Service.objects.bulk_create([Service(name=n) for n in SERVICES])}
    start = datetime(2019, 1, 1, tzinfo=UTC)
    batch = 2000
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a throw-away database: no need to wait for the disk
            cursor.execute("PRAGMA synchronous = OFF")
    for offset in range(0, count, batch):
        with transaction.atomic():
            _generate_batch(min(batch, count - offset), rng, start, tags, services)


def _generate_batch(size, rng, start, tags, services):
    from incidents.models import ContributingFactor, Incident, Lesson, TimelineEvent
    from incidents.models.types import default_type

    kind = default_type()  # bulk_create skips Incident.save(), which sets it
    incidents = []
    for _ in range(size):
        started = start + timedelta(hours=rng.randrange(0, 6 * 365 * 24))
        incidents.append(Incident(
            title=f"{pick(rng, NOUNS)}{pick(rng, PREDICATES)} ({pick(rng, TERMS)})",
            summary=paragraph(rng, 2), impact=paragraph(rng, 1), analysis=paragraph(rng, 6),
            resolution=paragraph(rng, 2), severity=rng.choice(["sev1", "sev2", "sev3", "sev4"]),
            status="published" if rng.random() < 0.9 else "draft", started_at=started,
            detected_at=started + timedelta(minutes=rng.randrange(1, 90)),
            resolved_at=started + timedelta(hours=rng.randrange(2, 96)), type_id=kind,
        ))
    incidents = Incident.objects.bulk_create(incidents)
    events, factors, lessons, tag_links, service_links = [], [], [], [], []
    for incident in incidents:
        events += [TimelineEvent(incident=incident, occurred_at=incident.started_at + timedelta(minutes=10 * i),
                                 kind=rng.choice(["trigger", "detection", "action", "mitigation"]),
                                 description=sentence(rng), source=rng.choice(["alert", "chat", "nginx error log"]))
                   for i in range(rng.randrange(2, 6))]
        factors += [ContributingFactor(incident=incident, category=rng.choice(CATEGORIES), description=sentence(rng))
                    for _ in range(rng.randrange(1, 4))]
        lessons += [Lesson(incident=incident, kind=rng.choice(["went_well", "went_wrong", "lucky"]),
                           text=sentence(rng)) for _ in range(2)]
        tag_links += [Incident.tags.through(incident=incident, tag=tags[name]) for name in rng.sample(TAGS, 3)]
        service_links += [Incident.services.through(incident=incident, service=services[name])
                          for name in rng.sample(SERVICES, 2)]
    TimelineEvent.objects.bulk_create(events)
    ContributingFactor.objects.bulk_create(factors)
    Lesson.objects.bulk_create(lessons)
    Incident.tags.through.objects.bulk_create(tag_links)
    Incident.services.through.objects.bulk_create(service_links)
