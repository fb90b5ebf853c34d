"""Markdown to plain text for search snippets: the syntax goes, the text (and all code) stays, line by line."""

import time

import pytest

from incidents.text.markdown import link_urls, plain_text, render


def test_blocks_lose_their_marks_and_keep_their_lines():
    source = (
        "# 障害報告: **nginx** の設定ミス #\n"
        "\n"
        "## 影響\n"
        "> 当初は *DB 側* の問題と判断した\n"
        "> > 二重の引用\n"
        "- 決済の約 12% がタイムアウト (HTTP 504)\n"
        "  * [x] 再試行で __重複課金__\n"
        "+ 三つ目\n"
        "1. 番号はそのまま\n"
        "***\n"
        "Setext の見出し\n"
        "===\n"
    )
    assert plain_text(source).split("\n") == [
        "障害報告: nginx の設定ミス", "", "影響", "当初は DB 側 の問題と判断した", "二重の引用",
        "決済の約 12% がタイムアウト (HTTP 504)", "  再試行で 重複課金", "三つ目", "1. 番号はそのまま", "",
        "Setext の見出し", "", ""]


def test_links_and_images_become_their_text_and_their_urls_are_listed():
    source = ("詳細は [PR #12](https://github.com/org/repo/pull/12) と ![グラフ](https://img.example/a.png \"t\")、"
              "[Wiki](https://wiki.example/a_(b)) と <https://status.example/> を参照")
    assert plain_text(source) == "詳細は PR #12 と グラフ、Wiki と https://status.example/ を参照"
    assert link_urls(source) == ["https://github.com/org/repo/pull/12", "https://img.example/a.png",
                                 "https://wiki.example/a_(b)"]
    assert link_urls("リンクなし") == [] and plain_text("") == "" and plain_text(None) == ""


def test_tables_are_cells_separated_by_spaces():
    source = "| 時刻 | 事象 |\n|:-----|-----:|\n| 02:14 | `a|b` アラート |\n| 02:31 | 切り戻し |\n後の段落"
    assert plain_text(source) == "時刻 事象\n02:14 a|b アラート\n02:31 切り戻し\n後の段落"
    assert plain_text("cat a.log | grep ERROR") == "cat a.log | grep ERROR"  # a pipe in prose is no table
    assert plain_text("a | b\n-x") == "a | b\n-x"  # no delimiter row


def test_code_is_kept_as_written_without_its_fences():
    source = (
        "設定は `/etc/docker/daemon.json` の `log-opts` と `**kwargs`。\n"
        "```bash\n"
        "$ grep -r \"**not bold**\" /var/log/*.log | head\n"
        "# not a heading\n"
        "- not a bullet: pid_max __init__ [x](y)\n"
        "```\n"
        "~~~\n"
        "<script>alert(1)</script>\n"
        "~~~\n"
        "後"
    )
    assert plain_text(source) == (
        "設定は /etc/docker/daemon.json の log-opts と **kwargs。\n"
        "$ grep -r \"**not bold**\" /var/log/*.log | head\n"
        "# not a heading\n"
        "- not a bullet: pid_max __init__ [x](y)\n"
        "<script>alert(1)</script>\n"
        "後"
    )
    assert plain_text("```\nunclosed *code*\n") == "unclosed *code*\n"
    assert plain_text("```inline``` だけ") == "inline だけ"


@pytest.mark.parametrize("line", [
    "2024-03-12T02:14:07Z ERROR payments-api pool exhausted: ECONNREFUSED 10.0.3.15:5432",
    "kubelet v1.27.3: OOMKilled container=payments-api limit=512Mi, pid_max=4194304",
    "ERR_CONNECTION_REFUSED at 0x7f3a9c; 2 * 3 * 4 = 24; rm /tmp/*.log",
    "kubectl logs <pod-name> -n kube-system と List<String> はタグではない",
    "issue #12 と C# の話",
])
def test_log_lines_and_identifiers_are_unchanged(line):
    assert plain_text(line) == line


def test_html_tags_go_and_their_text_stays():
    assert plain_text("<script>alert(1)</script>") == "alert(1)"
    assert plain_text('前 <div class="x">HTML の<b>中身</b></div><!-- コメント -->後<br>') == "前 HTML の中身後"
    assert plain_text('<img src=x onerror=alert(1)>画像') == "画像"
    # Entities are the characters they stand for: text, not markup (snippets escape what they show).
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\*not emphasis\\*") == (
        "<script>alert(1)</script> & *not emphasis*")


def test_crlf_and_nul_are_normalised():
    assert plain_text("# 見出し\r\n本文\x00です") == "見出し\n本文です"


def test_plain_text_is_fast_on_a_long_mixed_note():
    part = (
        "## 経緯\n\n2024-03-12 02:14 JST、**決済 API** の p99 が 3 秒を超えた。`payments-api` が `OOMKilled` で"
        "再起動を繰り返していた。[v2.14.0 のリリース](https://github.com/example/payments/releases/tag/v2.14.0)"
        "で `max_connections` を変えていた。\n\n> DB 側の問題と判断した\n\n- タイムアウト (HTTP 504)\n"
        "- *重複課金* が 3 件\n\n```\n2024-03-12T02:14:07Z ERROR pool exhausted: ECONNREFUSED 10.0.3.15:5432\n```\n\n"
        "| 時刻 | 事象 |\n|---|---|\n| 02:14 | アラート |\n\n原因は `/etc/payments/config.yaml` の設定値だった。\n\n"
    )
    note = (part * 40).encode()[:10240].decode(errors="ignore")  # 10 KB
    plain_text(note)
    start = time.perf_counter()
    for _ in range(20):
        plain_text(note)
    per_note = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    render(note + "x")  # not cached
    rendering = time.perf_counter() - start
    # About 0.5 ms here; the bound leaves room for a busy machine, the comparison says "not a render".
    assert per_note < 0.01 and per_note < rendering / 10
