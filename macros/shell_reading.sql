{#- Reading a Bash command the way the shell runs it, for the destructive rules.

    The rules of the seed `destructive_rules` must fire on what the shell executes, not
    on text a command merely carries (a commit message, an echo, a comment, a grep
    pattern, a heredoc written to a file). Without a shell parser, each command is read by
    a few regular-expression passes that scan it left to right the way the shell
    tokenizes it. Every pass matches, at each place, the leftmost of: the thing the pass
    is looking for, or an "opaque" token it must step over unchanged (a quoted string, a
    heredoc, a comment, an escaped character, an SQL section already marked). So a
    `bash -c '…'` inside a commit message is never seen as one: the message's quote
    starts earlier and is consumed whole.

    The passes, in order (shell_marked_text):
      1. heredocs into a program that runs them (`bash <<EOF`, `python3 - <<'EOF'`,
         `ssh host <<EOF`, `cat <<EOF | sh`): the body is spliced into the command text;
      2. code strings of executors (`bash -c`, `sh -c`, `zsh -c`, `eval`, `su -c`,
         `python -c`, `node -e`, `ssh [opts] host '…'`): the string is unquoted, so its
         content is read as commands (twice, for one level of nesting);
      3. heredocs into SQL clients (`psql`, `sqlite3`, `mysql`, `mariadb`, `duckdb`, also
         `cat <<EOF | psql`): the body is marked as SQL, between ⟦ and ⟧;
      4. SQL strings: the quoted argument of `psql -c`/`--command`, `mysql -e`/`--execute`,
         `sqlite3 <db>`, `duckdb [<db>] [-c]`, `echo '…' | psql`, and Python's
         `.execute("…")`/`.executemany`/`.executescript`: marked as SQL;
      5. everything left that the shell does not run is blanked: quoted strings, heredoc
         bodies (the rest of the `<<EOF` line stays), comments (`#` at the start of a
         word), escaped characters (twice, for the heredoc lines kept).
    Then shell_executed_text drops the SQL sections and the arguments of search and print
    programs (`grep`, `egrep`, `rg`, `ag`, `ack`, `git grep`, `echo`, `printf`), and
    shell_sql_text keeps only the SQL sections, with SQL string literals and comments
    blanked; sql_statement splits that on `;`.

    A heredoc ends at the first line holding a single upper-case word (EOF, SQL, PY…):
    RE2 has no back-references, so the delimiter itself cannot be matched. Replacement
    templates are shared by every alternative of a pass, so they hold only group
    references and blanks: an alternative that did not match leaves its groups empty
    (RE2 and Java both do). Patterns avoid `.` and `$` (whose newline handling differs
    between RE2 and Java) and use `\z` and unrolled loops (no `(a|b)*` over long text,
    which overflows Java's stack). -#}

{%- macro shell_reading_patterns() -%}
    {%- set start -%}(?:^|[\s;&|(/`]){%- endset -%}
    {%- set sq -%}'([^']*)'{%- endset -%}
    {%- set dq -%}"([^"\\]*(?:\\[\s\S][^"\\]*)*)"{%- endset -%}
    {%- set esc_dq -%}\\"([^"\\]*(?:\\[^"][^"\\]*)*)\\"{%- endset -%}
    {%- set heredoc_open -%}<<-?[ \t]*['"]?[A-Za-z_][A-Za-z0-9_]*['"]?{%- endset -%}
    {%- set heredoc_close -%}\r?\n[ \t]*[A-Z_][A-Z0-9_]*[ \t\r]*(?:\n|\z){%- endset -%}
    {%- set heredoc_close_kept -%}\r?\n[ \t]*[A-Z_][A-Z0-9_]*[ \t\r]*(\n|\z){%- endset -%}
    {%- set heredoc_body -%}((?:\n[\s\S]*?)?){%- endset -%}
    {%- set heredoc_body_skipped -%}(?:\n[\s\S]*?)?{%- endset -%}
    {%- set code_runner -%}(?:bash|sh|zsh|dash|ksh|python[0-9.]*|node|ruby|perl){%- endset -%}
    {%- set sql_client -%}(?:psql|sqlite3|mysql|mariadb|duckdb){%- endset -%}
    {%- set sudo -%}(?:sudo\s+(?:-u\s+\S+\s+)?)?{%- endset -%}
    {#- Tokens a pass steps over unchanged, in the order they are tried where two start
        at the same place: a marked SQL section; the `"$(cat <<'EOF' … EOF )"` message
        idiom (before a plain double quote); `<<<` (before a heredoc); a heredoc; quoted
        strings; `\"…\"` inside an unquoted double-quoted string (before a lone escape);
        an escaped character; a comment. -#}
    {%- set opaque = [
        "⟦[^⟧]*⟧",
        "\"\\$\\(\\s*cat\\s+" ~ heredoc_open ~ "[^\\n]*" ~ heredoc_body_skipped ~ heredoc_close ~ "\\s*\\)\\s*\"",
        "<<<",
        heredoc_open ~ "[^\\n]*" ~ heredoc_body_skipped ~ heredoc_close,
        "'[^']*'",
        "\\\\\"[^\"\\\\]*(?:\\\\[^\"][^\"\\\\]*)*\\\\\"",
        "\\\\[\\s\\S]",
        "\"[^\"\\\\]*(?:\\\\[\\s\\S][^\"\\\\]*)*\"",
        "(?:^|\\s)#[^\\n]*",
    ] -%}
    {%- set opaque_group = "(" ~ (opaque | join("|")) ~ ")" -%}
    {%- set executor -%}
        (?:(?:bash|sh|zsh|dash|ksh)(?:\s+(?:-o\s+\w+|[-+][A-Za-z]+))*?\s+-[A-Za-z]*c[A-Za-z]*|eval|su(?:\s+-\S*)*(?:\s+[^\s'"-]\S*)?\s+-c|python[0-9.]*(?:\s+-[A-Za-z]+)*?\s+-c|node(?:\s+-[A-Za-z-]+)*?\s+(?:-e|--eval|-p)|ssh(?:\s+-[A-Za-z](?:\s+[^\s'"-]\S*)?)*\s+[^\s'"-]\S*)
    {%- endset -%}
    {%- set sql_argument -%}
        (?:{{ start }}(?:psql\b[^;&|\n]*?\s(?:-c|--command=?)|(?:mysql|mariadb)\b[^;&|\n]*?\s(?:-e|--execute=?)|sqlite3(?:\s+-\S+)*\s+[^\s'"-]\S*|duckdb(?:\s+-\S+)*(?:\s+[^\s'"-]\S*)?(?:\s+-c)?)|\.(?:execute|executemany|executescript)\s*\()
    {%- endset -%}
    {{ return({
        'heredoc_code': [
            "(" ~ start ~ "(?:" ~ code_runner ~ "(?:\\s+-[A-Za-z-]*)*|ssh(?:\\s+-[A-Za-z](?:\\s+[^\\s<-][^\\s<]*)?)*\\s+[^\\s<-][^\\s<]*)\\s*)"
                ~ heredoc_open ~ "([^\\n]*)" ~ heredoc_body ~ heredoc_close_kept
            ~ "|" ~ heredoc_open ~ "([^\\n]*\\|\\s*" ~ sudo ~ code_runner ~ "\\b[^\\n]*)" ~ heredoc_body ~ heredoc_close_kept
            ~ "|" ~ opaque_group,
            "\\1 \\2\\5 \\3\\6\\4\\7\\8",
        ],
        'code_string': [
            "(" ~ start ~ (executor | trim) ~ "\\s+)(?:" ~ sq ~ "|" ~ dq ~ "|" ~ esc_dq ~ ")|" ~ opaque_group,
            "\\1\\2\\3\\4 \\5",
        ],
        'heredoc_sql': [
            "(" ~ start ~ sql_client ~ "\\b[^\\n<|;&]*)" ~ heredoc_open ~ "([^\\n]*)" ~ heredoc_body ~ heredoc_close_kept
            ~ "|" ~ heredoc_open ~ "([^\\n]*\\|\\s*" ~ sudo ~ sql_client ~ "\\b[^\\n]*)" ~ heredoc_body ~ heredoc_close_kept
            ~ "|" ~ opaque_group,
            "\\1 \\2\\5 ⟦\\3\\6⟧\\4\\7\\8",
        ],
        'sql_string': [
            "(" ~ (sql_argument | trim) ~ "\\s*)(?:" ~ sq ~ "|" ~ dq ~ "|" ~ esc_dq ~ ")"
            ~ "|(" ~ start ~ "(?:echo|printf)(?:\\s+-[A-Za-z]+)*\\s+)(?:" ~ sq ~ "|" ~ dq ~ ")(\\s*\\|\\s*" ~ sudo ~ sql_client ~ "\\b)"
            ~ "|" ~ opaque_group,
            "\\1\\5 ⟦\\2\\3\\4\\6\\7⟧ \\8 \\9",
        ],
        'blank': [
            "(⟦[^⟧]*⟧)|" ~ (opaque[1:3] | join("|")) ~ "|" ~ heredoc_open ~ "([^\\n]*)" ~ heredoc_body_skipped ~ heredoc_close_kept
            ~ "|" ~ (opaque[4:] | join("|")),
            "\\1 \\2\\3 ",
        ],
        'search_arguments': [
            "(" ~ start ~ "(?:grep|egrep|fgrep|zgrep|rg|ag|ack|git\\s+grep|echo|printf))(?:\\s[^;&|\\n]*)?",
            "\\1 ",
        ],
    }) }}
{%- endmacro %}

{%- macro shell_regex_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{%- macro shell_reading_pass(expr, name) -%}
    {%- set pattern, replacement = hook_patterns.shell_reading_patterns()[name] -%}
    {{ hook_patterns.regex_replace_all(
        expr,
        hook_patterns.shell_regex_literal(pattern),
        hook_patterns.shell_regex_literal(replacement)
    ) }}
{%- endmacro %}


{#- The command with the code it runs spliced in, the SQL it sends marked as ⟦…⟧, and
    the text it only carries blanked (passes 1-5 above). -#}
{% macro shell_marked_text(expr) -%}
    {%- set ns = namespace(sql=expr) -%}
    {%- set passes = [
        'heredoc_code', 'code_string', 'code_string', 'heredoc_sql', 'sql_string', 'blank', 'blank'
    ] -%}
    {%- for name in passes -%}
        {%- set ns.sql = hook_patterns.shell_reading_pass(ns.sql, name) -%}
        {#- The SQL passes leave an empty ⟦⟧ before every token they step over; it must go
            before the next pass, which would read it as a token of its own. -#}
        {%- if name.startswith('heredoc_sql') or name.startswith('sql_') -%}
            {%- set ns.sql = hook_patterns.regex_replace_all(ns.sql, "'⟦⟧'", "''") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}


{#- What the shell executes: the marked text without its SQL sections and without the
    arguments of search and print programs. The seed's rules with reads = shell run on it. -#}
{% macro shell_executed_text(marked_expr) -%}
    {%- set without_sql = hook_patterns.regex_replace_all(marked_expr, "'⟦[^⟧]*⟧'", "' '") -%}
    {{ hook_patterns.shell_reading_pass(without_sql, 'search_arguments') }}
{%- endmacro %}


{#- The SQL the command sends, as `;`-separated statements, with SQL string literals and
    comments blanked (so `WHERE note LIKE '%drop table%'` is data, and a `;` inside a
    literal does not split a statement). Only `;` when the command sends no SQL. -#}
{% macro shell_sql_text(marked_expr) -%}
    {%- set sections = hook_patterns.regex_replace_all(marked_expr, "'(?:^|⟧)[^⟦]*(?:⟦|\\z)'", "';'") -%}
    {{ hook_patterns.sql_text_without_literals(sections) }}
{%- endmacro %}


{#- SQL text with string literals ('it''s') and comments (-- … and /* … */) blanked. -#}
{% macro sql_text_without_literals(expr) -%}
    {{ hook_patterns.regex_replace_all(
        expr,
        "'''[^'']*(?:''''[^'']*)*''|--[^\\n]*|/\\*[\\s\\S]*?\\*/'",
        "' '"
    ) }}
{%- endmacro %}


{#- Statement `position` (1-based) of `;`-separated SQL text; '' past the last one.
    split_part has these semantics on DuckDB and Spark alike. -#}
{% macro sql_statement(expr, position) -%}
    split_part({{ expr }}, ';', {{ position }})
{%- endmacro %}
