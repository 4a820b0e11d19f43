"""Apply and destroy end with Terraform's `Outputs:`: each owned deployment's endpoint URLs,
private ones included, under the KEY that `infermod output KEY --raw` prints alone."""

from __future__ import annotations

import re

from tests.conftest import write
from tests.helpers import TWO


def outputs(text: str) -> list[str]:
    assert "\nOutputs:\n\n" in text, text
    return text.split("\nOutputs:\n\n", 1)[1].splitlines()


def test_apply_ends_with_every_endpoint_and_each_line_is_an_output_key(cli, scw_env, sdk, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.err
    lines = outputs(result.out)
    deps = {d.name: d for d in sdk.list_deployments_all()}
    bot_public = next(e.url for e in deps["bot"].endpoints if e.public_network is not None)
    bot_private = next(e.url for e in deps["bot"].endpoints if e.private_network is not None)
    assert lines == [
        f'bot.url = "{bot_public}"',
        f'bot.endpoints.1.url = "{bot_private}"  # private network 44444444-4444-4444-8444-444444444444',
        f'chat.url = "{deps["chat"].endpoints[0].url}"',
    ]
    # each line's key is what `infermod output KEY --raw` prints
    for line in lines:
        key, value = re.fullmatch(r'(\S+) = "([^"]+)".*', line).groups()
        assert cli("output", key, "--raw").out == value + "\n"


def test_apply_with_no_changes_still_shows_the_outputs(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    assert cli("apply", "--auto-approve").code == 0
    result = cli("apply", "--auto-approve")
    assert result.code == 0 and "No changes." in result.out
    assert [line.split(" = ")[0] for line in outputs(result.out)] == [
        "bot.url",
        "bot.endpoints.1.url",
        "chat.url",
    ]


def test_destroy_shows_what_is_left_and_nothing_when_all_is_gone(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    assert cli("apply", "--auto-approve").code == 0
    result = cli("destroy", "--auto-approve", "--target", "deployment.bot")
    assert result.code == 0, result.err
    assert [line.split(" = ")[0] for line in outputs(result.out)] == ["chat.url"]
    result = cli("destroy", "--auto-approve")
    assert result.code == 0 and "Outputs:" not in result.out


def test_destroy_with_nothing_left_says_so(cli, scw_env, tmp_path):
    write(tmp_path / "infermod.yaml", TWO)
    result = cli("destroy", "--auto-approve")
    assert result.code == 0
    assert "No changes. No objects need to be destroyed: stack `shop` owns nothing (anymore)." in result.out
    assert "match the configuration" not in result.out
