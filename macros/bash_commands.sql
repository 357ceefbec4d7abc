{#- Parsing of Bash command lines into the program a signature names. -#}

{#- The command with everything before the real program removed, repeatedly and in
    any order: leading blanks and `(`, `NAME=value` assignments, `export NAME=value &&`,
    `cd <dir> &&` / `cd <dir>;` (also pushd), `source <file> &&` / `. <file> &&`,
    `sudo [-u user]`, `timeout [opts] <duration>`, `nohup`, `time [-p]`, `env [opts]`,
    `exec`, `command`, `nice [-n N]`. -#}
{% macro bash_strip_prefixes(expr) -%}
    {%- set word = "(\"[^\"]*\"|'[^']*'|[^\\s;&|]+)" -%}
    {%- set prefixes = [
        "\\s+",
        "\\(",
        "[A-Za-z_][A-Za-z0-9_]*=(\"[^\"]*\"|'[^']*'|[^\\s\"']*)(\\s+|\\s*(&&|;)\\s*)",
        "export\\s+[A-Za-z_][A-Za-z0-9_]*=(\"[^\"]*\"|'[^']*'|[^\\s;&|\"']*)\\s*(&&|;)\\s*",
        "(cd|pushd)(\\s+" ~ word ~ ")?\\s*(&&|;)\\s*",
        "(source|\\.)\\s+" ~ word ~ "\\s*(&&|;)\\s*",
        "sudo(\\s+(-[ugCDhprt]\\s+[^\\s-]\\S*|-\\S+))*\\s+",
        "timeout(\\s+(-[sk]\\s+\\S+|-\\S+))*\\s+[0-9.]+[smhd]?\\s+",
        "nohup\\s+",
        "time(\\s+-p)?\\s+",
        "env(\\s+-\\S+)*\\s+",
        "exec\\s+",
        "command\\s+",
        "nice(\\s+-n\\s*-?[0-9]+|\\s+-[0-9]+)?\\s+",
    ] -%}
    {%- set pattern = "^(" ~ (prefixes | join("|")) ~ ")+" -%}
    {{ hook_patterns.regex_replace_first(expr, "'" ~ (pattern | replace("'", "''")) ~ "'", "''") }}
{%- endmacro %}


{#- The first word of a command (up to a blank or shell operator), without its
    directory: `/usr/bin/python3 x.py` -> `python3`, `./node_modules/.bin/jest` -> `jest`. -#}
{% macro bash_first_word(expr) -%}
    nullif(
        {{ hook_patterns.regex_replace_first(
            hook_patterns.regex_extract(expr, "'^[\"'']?([^\\s;&|()<>\"'']+)'", 1),
            "'^.*/'",
            "''"
        ) }},
        ''
    )
{%- endmacro %}


{#- What follows the first word (leading blanks removed). -#}
{% macro bash_rest_after_first_word(expr) -%}
    {{ hook_patterns.regex_replace_first(expr, "'^[\"'']?[^\\s;&|()<>\"'']*[\"'']?\\s*'", "''") }}
{%- endmacro %}


{#- The subcommand: the next word when it is a plain word (not an option, a path or
    a quoted string); null otherwise. A closing quote ends it too (`bash -c "npm test"`). -#}
{% macro bash_subcommand(rest_expr) -%}
    nullif({{ hook_patterns.regex_extract(rest_expr, "'^([A-Za-z0-9][A-Za-z0-9:_.-]*)(\\s|$|[;&|)\"''])'", 1) }}, '')
{%- endmacro %}


{#- What an interpreter runs, named by the seed's script_regex (capture group 1 of a
    match on the arguments): a script reduced to its file name (`scripts/x.py` ->
    `x.py`), or an inline-code flag as written (`-c`); null when the pattern is null or
    does not match. -#}
{% macro bash_script_name(rest_expr, script_regex) -%}
    nullif(
        {{ hook_patterns.regex_replace_first(
            hook_patterns.regex_extract(rest_expr, script_regex, 1),
            "'^.*/'",
            "''"
        ) }},
        ''
    )
{%- endmacro %}
