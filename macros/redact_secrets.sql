{#- Secret redaction for any text that leaves the warehouse or reaches a reviewer
    (commands, file paths, raw payloads of quarantined events).

    Each rule is (RE2 pattern, replacement); rules run in order, every match is
    replaced, and the secret itself becomes `***`. What is covered:
      - URLs with credentials: `scheme://user:pass@host` -> `scheme://***@host`
      - HTTP auth headers: `Authorization: Bearer x`, `X-Api-Key: x`, a bare `Bearer x`
      - well-known token shapes: `sk-…` (OpenAI/Anthropic), `ghp_…`/`gho_…`/`ghs_…`
        (GitHub), `github_pat_…`, `xoxb-…`/`xoxp-…` (Slack), `AKIA…`/`ASIA…` (AWS key ids)
      - `NAME=value` where NAME looks secret (PASSWORD, PASSWD, SECRET, TOKEN, API_KEY,
        ACCESS_KEY, PRIVATE_KEY, CREDENTIAL(S), …), also `export NAME=value`
      - JSON members with such names: `"db_password": "x"`
      - command-line flags `--password x`, `--password=x`, `--token`, `--api-key`,
        `--secret`, `--client-secret`, `--access-key`, mysql's attached `-pSECRET`, and
        `-p x` after a `login` subcommand (`docker login -u u -p x`).
    Not covered on purpose: any other bare `-p x` (a port for psql/ssh and most tools),
    and secrets with no recognizable name or shape. -#}

{% macro secret_redaction_rules() -%}
    {{ return([
        ("([A-Za-z][A-Za-z0-9+.-]*://)[^/\\s:@'\"]+:[^/\\s@'\"]+@", "\\1***@"),
        ("(?i)((authorization|proxy-authorization|x-api-key|api-key|x-auth-token)\\s*:\\s*((bearer|basic|token)\\s+)?)[^\\s'\"]+", "\\1***"),
        ("(?i)(\\bbearer\\s+)[A-Za-z0-9._~+/=-]{8,}", "\\1***"),
        ("\\bsk-[A-Za-z0-9_-]{16,}", "sk-***"),
        ("\\bgh[pousr]_[A-Za-z0-9]{20,}", "gh*_***"),
        ("\\bgithub_pat_[A-Za-z0-9_]{20,}", "github_pat_***"),
        ("\\bxox[abposr]-[A-Za-z0-9-]{10,}", "xox*-***"),
        ("\\b(AKIA|ASIA)[0-9A-Z]{16}\\b", "\\1***"),
        ("(?i)(\\b[a-z0-9_]*(password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?|pass_?phrase)[a-z0-9_]*=)(\"[^\"]*\"|'[^']*'|[^\\s;&|'\"]+)", "\\1***"),
        ("(?i)(\"[a-z0-9_-]*(password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?|pass_?phrase)[a-z0-9_-]*\"\\s*:\\s*)\"[^\"]*\"", "\\1\"***\""),
        ("(?i)((^|\\s)--?(password|passwd|pass|token|api-key|apikey|api_key|secret|client-secret|access-key|secret-key|auth-token)(=|\\s+))(\"[^\"]*\"|'[^']*'|[^\\s;&|'\"]+)", "\\1***"),
        ("(\\bmysql(dump|admin)?\\b[^;&|]*\\s-p)([^\\s;&|]+)", "\\1***"),
        ("(\\blogin\\b[^;&|\\n]*\\s-p\\s+)(\"[^\"]*\"|'[^']*'|[^\\s;&|'\"]+)", "\\1***"),
    ]) }}
{%- endmacro %}

{% macro redact_secrets(expr) -%}
    {{ return(adapter.dispatch('redact_secrets', 'hook_patterns')(expr)) }}
{%- endmacro %}

{% macro default__redact_secrets(expr) -%}
    {%- set ns = namespace(sql=expr) -%}
    {%- for pattern, replacement in hook_patterns.secret_redaction_rules() -%}
        {%- set ns.sql = hook_patterns.regex_replace_all(
            ns.sql,
            "'" ~ (pattern | replace("'", "''")) ~ "'",
            "'" ~ (replacement | replace("'", "''")) ~ "'"
        ) -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
