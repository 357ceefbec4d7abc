"""What sessions are made of: projects (files, stacks, scripts, MCP servers), the pool
of Bash commands, prompts, snippets and other texts, and each session's habits drawn
from its project's vocabulary."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.sample.calls import Session


@dataclass(frozen=True)
class Project:
    """A code base: its place on disk, its files, its stack and its own commands.

    Sessions of one project share its vocabulary (files, Bash commands, scripts, MCP
    servers); each session then takes its own subset with its own weights (Habits).
    """

    cwd: str
    home: str
    pkg: str
    files: tuple[str, ...]
    tests: tuple[str, ...]
    dirs: tuple[str, ...]
    stacks: tuple[str, ...] = ("python",)
    windows: bool = False
    #: Weighted Bash entries (weight, (profile, description, variants)) the project uses.
    bash: tuple[tuple[float, tuple[str, str, tuple[str, ...]]], ...] = ()
    #: The project's own scripts and targets (``make reindex-cart``): most of its
    #: sessions run some of them, no other project does.
    scripts: tuple[tuple[float, tuple[str, str, tuple[str, ...]]], ...] = ()
    mcp: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


# fmt: off
_NOUNS = (
    "invoice", "user", "auth", "session", "order", "report", "search", "index", "billing",
    "cache", "queue", "worker", "export", "sync", "payment", "webhook", "schema", "config",
    "metrics", "audit", "notify", "upload", "token", "profile", "cart", "catalog", "ledger",
    "tenant", "job", "event", "graph", "parser", "router", "client", "store", "feature",
    "admin", "backup", "ingest", "pricing", "shipment", "inventory", "review", "comment",
)
_VERBS = (
    "seed", "reset", "migrate", "backfill", "reindex", "rotate", "check", "sync", "dump",
    "restore", "build", "deploy", "bench", "clean", "fix", "gen", "verify", "warm", "prune",
    "replay", "export", "import", "refresh", "patch", "probe", "scan",
)
_SUFFIXES = (
    "api", "svc", "web", "app", "service", "pipeline", "infra", "cli", "worker", "dashboard",
    "backend", "frontend", "tools", "platform", "etl", "bot",
)
_USERS = ("dev", "ana", "sam", "ci", "jo", "priya", "li", "marc", "kofi", "eva", "tom", "yuki")
_STACK_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # stack: (file templates, test templates, directories); {m} is a module word
    "python": (
        ("src/{pkg}/{m}.py", "app/{m}.py", "{pkg}/{m}.py", "app/routes/{m}.py",
         "app/services/{m}.py"),
        ("tests/test_{m}.py", "tests/unit/test_{m}.py"),
        ("src/{pkg}", "tests", "migrations", "scripts", "app", "app/routes"),
    ),
    "js": (
        ("src/components/{M}.tsx", "src/api/{m}.ts", "src/hooks/use{M}.ts",
         "src/pages/{m}.tsx", "src/lib/{m}.ts"),
        ("src/components/{M}.test.tsx", "src/api/{m}.test.ts", "e2e/{m}.spec.ts"),
        ("src/components", "src/api", "src/pages", "e2e", "public"),
    ),
    "rust": (("src/{m}.rs", "src/bin/{m}.rs"), ("tests/{m}_test.rs",), ("src", "tests", "benches")),
    "go": (("internal/{m}/{m}.go", "cmd/{pkg}/main.go", "pkg/{m}/{m}.go"),
           ("internal/{m}/{m}_test.go",), ("internal", "cmd", "pkg")),
    "infra": (
        ("deploy/{m}.yaml", "charts/{pkg}/values.yaml", "terraform/{m}.tf",
         "scripts/{m}.sh", "docker-compose.yml"),
        ("tests/test_manifests.py",),
        ("deploy", "charts", "terraform", "scripts"),
    ),
}
_STACK_EXTRA_FILES = {
    "python": ("pyproject.toml", "README.md", "Makefile", "requirements.txt"),
    "js": ("package.json", "vite.config.ts", "tsconfig.json", "README.md"),
    "rust": ("Cargo.toml", "README.md"),
    "go": ("go.mod", "Makefile", "README.md"),
    "infra": ("Makefile", "README.md", ".github/workflows/deploy.yml"),
}
_STACK_WEIGHTS = (("python", 0.42), ("js", 0.33), ("infra", 0.1), ("rust", 0.07), ("go", 0.08))
_MCP_SERVERS = {
    "github": ("mcp__github__create_pull_request", "mcp__github__get_issue",
               "mcp__github__list_pull_requests"),
    "playwright": ("mcp__playwright__browser_navigate", "mcp__playwright__browser_snapshot",
                   "mcp__playwright__browser_click"),
    "postgres": ("mcp__postgres__query",),
    "linear": ("mcp__linear__create_issue", "mcp__linear__list_issues"),
    "sentry": ("mcp__sentry__get_issue_details",),
    "context7": ("mcp__context7__get-library-docs", "mcp__context7__resolve-library-id"),
}
# fmt: on


_PY_SNIPPETS = (
    'from decimal import Decimal\n\n\ndef total(lines):\n    """Sum of the invoice lines, tax '
    'included."""\n    subtotal = sum(Decimal(l.amount) for l in lines)\n    return subtotal + '
    "tax_for(subtotal)\n",
    "def load(rows, conn):\n    with conn.cursor() as cur:\n        cur.executemany(\n          "
    "  'insert into staging.orders values (%s, %s, %s)', rows\n        )\n    conn.commit()\n",
    '@router.get("/users/{user_id}")\nasync def get_user(user_id: int, db=Depends(get_db)):\n'
    "    user = await db.get(User, user_id)\n    if user is None:\n        raise "
    "HTTPException(404)\n    return user\n",
    "# Größenänderung: keep the café's receipts ≤ 80 columns → see docs/receipts.md\n"
    "WIDTH = 80\n\n\ndef test_receipt_width():\n    assert len(render(sample())) <= WIDTH\n",
)
_SNIPPETS: dict[str, tuple[str, ...]] = {
    "py": _PY_SNIPPETS,
    "ts": (
        "import { useEffect, useState } from 'react';\n\nexport function useSession() {\n  const "
        "[session, setSession] = useState(null);\n  useEffect(() => {\n    fetch('/api/session')."
        "then(r => r.json()).then(setSession);\n  }, []);\n  return session;\n}\n",
        "export async function getUsers(page = 1) {\n"
        "  const res = await fetch(`/api/users?page=${page}`);\n"
        "  if (!res.ok) throw new Error(res.statusText);\n  return res.json();\n}\n",
    ),
    "yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  "
        "template:\n    spec:\n      containers:\n        - name: api\n          image: "
        "registry.internal/api:1.42.0\n",
    ),
    "rs": (
        "pub fn search(index: &Index, q: &str) -> Vec<Hit> {\n    let terms = tokenize(q);\n    "
        "index.lookup(&terms).into_iter().take(20).collect()\n}\n",
    ),
    "toml": (
        '[project]\nname = "billing"\nversion = "0.8.1"\ndependencies = ["fastapi>=0.110", '
        '"sqlalchemy>=2", "httpx"]\n',
    ),
    "json": (
        '{\n  "name": "webapp",\n  "scripts": {\n    "test": "vitest run",\n    "build": '
        '"vite build",\n    "lint": "eslint src"\n  }\n}\n',
    ),
    "sh": (
        '#!/usr/bin/env bash\nset -euo pipefail\nkubectl rollout restart deploy/api -n "$1"\n'
        'kubectl rollout status deploy/api -n "$1" --timeout=120s\n',
    ),
    "tf": ('resource "aws_s3_bucket" "backups" {\n  bucket = "acme-backups"\n}\n',),
    "": (
        "test:\n\tpytest -q\n\nlint:\n\truff check .\n",
        "httpx==0.28.1\nfastapi==0.115.0\nsqlalchemy==2.0.36\n",
    ),
}
_SNIPPETS["tsx"] = _SNIPPETS["js"] = _SNIPPETS["ts"]
_SNIPPETS["yml"] = _SNIPPETS["yaml"]
_SNIPPETS["md"] = ("# search-svc\n\nRun `cargo run` and open http://localhost:8080.\n",)


def file_snippet(rng: random.Random, path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    choices = _SNIPPETS.get(name.rsplit(".", 1)[-1] if "." in name else "", _SNIPPETS[""])
    return choices[int(rng.random() * len(choices))]


PROMPTS = (
    "fix the failing test in {test}",
    "add pagination to the users endpoint",
    "why is CI red on this branch?",
    "refactor {file} so the tax rules live in one place",
    "commit and push what we have",
    "run the linter and fix what it finds",
    "the deploy script hangs on step 3, can you look?",
    "write a migration that adds an index on orders(created_at)",
    "sync my branch with main, I don't care about local changes",
    "update the README with the new env vars",
    "bump httpx and make sure the tests still pass",
    "can you explain what {file} does?",
    "ajoute des tests pour le cas où la facture est vide",
    "make the dashboard load faster — it takes 8 s",
    "continue",
    "yes",
)
COMMIT_SUBJECTS = (
    "Fix rounding in invoice totals",
    "Add pagination to /users",
    "Refactor tax rules into one module",
    "Handle empty payloads in the loader",
    "Bump httpx to 0.28",
    "Make the session hook idempotent",
    "Speed up dashboard queries",
    "Add index on orders(created_at)",
    # Real commit messages mention SQL: a text-based destructive rule flags them.
    "Update SQL processor to batch inserts",
    "Drop the unused DELETE FROM trigger on sessions",
    "Truncate long titles before the INSERT",
    "Fix UPDATE users SET in the backfill script",
)
#: Subjects of the planted commit workflow: plain words, so that it stays harmless
#: whatever the destructive rules make of SQL keywords in messages.
_PLAIN_COMMIT_SUBJECTS = COMMIT_SUBJECTS[:8]
_KEYWORDS = (
    "TODO",
    "def total",
    "useSession",
    "tax_for",
    "DATABASE_URL",
    "retry",
    "FIXME",
    "session_id",
    "timeout",
)
BRANCHES = (
    "feature/pagination",
    "fix/invoice-rounding",
    "chore/bump-deps",
    "feat/search-v2",
    "ana/hotfix-login",
    "wip",
)
_SERVICES = ("api", "worker", "web", "postgres", "redis", "scheduler")
_NAMESPACES = ("staging", "prod", "dev", "ml")
TABLES = ("users", "sessions", "orders", "invoices", "events")
_HOSTS = ("deploy.internal.example", "registry.acme.test", "db.staging.acme.test")
_PY_PACKAGES = ("httpx", "rich", "pydantic", "sqlalchemy", "pytest-xdist")
_NPM_PACKAGES = ("vitest", "zod", "@tanstack/react-query", "eslint-plugin-react")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def random_token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(n))


class TemplateValues(dict):  # type: ignore[type-arg]
    """Template values, each drawn only when a template asks for it."""

    def __init__(self, rng: random.Random, sess: Session) -> None:
        super().__init__()
        self.rng = rng
        self.sess = sess

    def __missing__(self, key: str) -> str:
        rng, proj = self.rng, self.sess.project
        value: Any
        if key == "cwd":
            value = self.sess.cwd
        elif key == "file":
            value = rng.choice(self.sess.files)
        elif key == "test_file":
            value = rng.choice(proj.tests)
        elif key == "dir":
            value = rng.choice(proj.dirs)
        elif key == "pkg":
            value = proj.pkg
        elif key == "m":
            value = rng.choice(proj.keywords)
        elif key == "M":
            value = rng.choice(proj.keywords).title()
        elif key == "verb":
            value = rng.choice(_VERBS)
        elif key == "n":
            value = rng.randint(3, 30)
        elif key == "pid":
            value = rng.randint(1200, 65000)
        elif key == "port":
            value = rng.choice((3000, 5173, 8000, 8080, 9000))
        elif key == "branch":
            value = rng.choice(BRANCHES)
        elif key == "kw":
            value = rng.choice(_KEYWORDS)
        elif key == "svc":
            value = rng.choice(_SERVICES)
        elif key == "ns":
            value = rng.choice(_NAMESPACES)
        elif key == "table":
            value = rng.choice(TABLES)
        elif key == "host":
            value = rng.choice(_HOSTS)
        elif key == "pypkg":
            value = rng.choice(_PY_PACKAGES)
        elif key == "npmpkg":
            value = rng.choice(_NPM_PACKAGES)
        elif key == "msg":
            value = rng.choice(COMMIT_SUBJECTS)
        elif key == "plain_msg":
            value = rng.choice(_PLAIN_COMMIT_SUBJECTS)
        elif key == "pw":
            value = rng.choice(("hunter2", "Sup3rS3cret!", "changeme123", "p4ssw0rd-2024"))
        elif key == "ghp":
            value = "ghp_" + random_token(rng, 36)
        elif key == "sk":
            value = "sk-" + random_token(rng, 40)
        elif key == "aws":
            value = random_token(rng, 40)
        else:  # pragma: no cover - a template names a value nobody defined
            raise KeyError(key)
        self[key] = value
        return str(value)


COMMIT_HEREDOC = (
    "git commit -m \"$(cat <<'EOF'\n{msg}\n\n- keep behaviour for existing callers\n"
    "- cover the edge case with a test\n\n🤖 Generated with [Claude Code](https://claude.com/"
    'claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nEOF\n)"'
)

# Bash pool: (weight, duration profile, description, variants). All variants of an entry
# share one signature (tests check it), so noise draws signatures from a fixed law.
# fmt: off
BASH_POOL: tuple[tuple[float, str, str, tuple[str, ...]], ...] = (
    (6.0, "git", "Show working tree status",
     ("git status", "git status --short", "cd {cwd} && git status", "git status -sb")),
    (5.0, "git", "Show changes",
     ("git diff", "git diff --stat", "git diff {file}", "git diff HEAD~1 -- {dir}")),
    (3.0, "git", "Recent commits",
     ("git log --oneline -{n}", "git log --oneline | head -20",
      "git log -p -1 -- {file} | head -80")),
    (2.0, "git", "Stage changes", ("git add -A", "git add {file} {test_file}", "git add .")),
    (2.0, "git", "Commit changes",
     (COMMIT_HEREDOC, 'git commit -m "{msg}"', 'git commit -am "wip"')),
    (1.5, "git_net", "Push the branch",
     ("git push", "git push origin {branch}", "git push -u origin HEAD")),
    (1.0, "git_net", "Pull latest changes", ("git pull --rebase", "git pull origin main")),
    (1.0, "git_net", "Fetch from origin", ("git fetch origin", "git fetch --all --prune")),
    (1.0, "git", "Switch branch", ("git checkout -b {branch}", "git checkout main")),
    (0.6, "git", "Stash local changes", ("git stash", "git stash pop")),
    (5.0, "fast", "List files", ("ls", "ls -la", "ls -la {dir}", "ls {dir} | head -50")),
    (2.0, "fast", "Show file",
     ("cat {file}", "cat package.json | jq .scripts", "cat pyproject.toml")),
    (1.0, "fast", "Show file head", ("head -50 {file}", "head -n 20 {test_file}")),
    (1.0, "fast", "Show log tail",
     ("tail -n 100 logs/app.log", "tail -n 50 /var/log/nginx/error.log")),
    (1.0, "fast", "Write notes file",
     ("cat <<'EOF' > NOTES.md\n# Notes\n\n- {msg}\n- check {file}\nEOF",
      "cat > .env.example <<'EOF'\nDATABASE_URL=postgresql://localhost/app\nLOG_LEVEL=info\nEOF")),
    (9.0, "test", "Run tests",
     ("pytest", "pytest -q", "pytest {test_file} -q", "cd {cwd} && pytest -x -q",
      "PYTHONPATH=src pytest -q {test_file}", "timeout 900 pytest -q -x", "pytest -k {kw} -vv",
      "uv run pytest -q", "uv run --frozen pytest {test_file}", "python -m pytest -q")),
    # one entry per signature: an interpreter's signature names what it runs
    (0.5, "default", "Run a Python one-liner", ('python -c "import sys; print(sys.version)"',)),
    (0.6, "default", "Run the seed script",
     ("python scripts/seed.py --dry-run", "uv run python scripts/seed.py")),
    (0.4, "default", "Run Python from stdin",
     ("python - <<'EOF'\nimport json, pathlib\n"
      "print(json.loads(pathlib.Path('package.json').read_text())['version'])\nEOF",)),
    (0.5, "default", "Run Django migrations", ("DEBUG=1 python manage.py migrate",)),
    (1.0, "install", "Sync dependencies", ("uv sync", "uv sync --frozen")),
    (0.5, "install", "Add dependency", ("uv add {pypkg}", "uv add --dev {pypkg}")),
    (3.0, "test", "Run JS tests",
     ("npm test", "npm test -- {test_file}", "CI=1 npm test",
      "cd web && npm test -- --watch=false")),
    (3.0, "build", "Run npm script",
     ("npm run build", "npm run lint -- --fix", "npm run typecheck",
      "NODE_ENV=production npm run build")),
    (1.0, "install", "Install packages", ("npm install", "npm install -D {npmpkg}")),
    (3.5, "lint", "Lint",
     ("ruff check .", "ruff check --fix {dir}", "ruff format {file}", "uv run ruff check .")),
    (1.5, "lint", "Type check", ("mypy {pkg}", "mypy --strict {file}", "uv run mypy {pkg}")),
    (2.0, "docker", "Docker compose",
     ("docker compose up -d", "docker compose logs --tail=100 {svc}", "docker compose ps",
      "docker compose down")),
    (0.8, "fast", "List containers", ("docker ps", "docker ps -a --format '{{{{.Names}}}}'")),
    (0.6, "build", "Build image", ("docker build -t {pkg}:dev .", "sudo docker build -t {pkg} .")),
    (0.8, "build", "Cargo build", ("cargo build", "cargo build --release")),
    (0.8, "test", "Cargo test", ("cargo test", "RUST_LOG=debug cargo test -- --nocapture")),
    (0.8, "install", "pip install",
     ("pip install -e .", "pip install -r requirements.txt", "sudo pip install {pypkg}")),
    (0.6, "net", "Pods", ("kubectl get pods -n {ns}", "kubectl get pods -A | grep -v Running")),
    (0.5, "net", "Pod logs", ("kubectl logs deploy/{svc} -n {ns} --tail=100",)),
    (0.4, "install", "pnpm install", ("pnpm install",)),
    (0.4, "test", "yarn test", ("yarn test", "yarn test --coverage")),
    (2.0, "fast", "Search code",
     ('rg -n "{kw}" {dir}', "rg --files | rg {kw}", 'rg -n "{kw}" | head -20')),
    (3.5, "fast", "Search code",
     ('grep -rn "{kw}" {dir} | head -20', "grep -c {kw} {file}", "grep -n {m} {file}")),
    (1.5, "fast", "Find files",
     ("find . -name '*.py' | wc -l", "find {dir} -type f -newer README.md")),
    (0.7, "build", "Make test", ("make test",)),
    (0.4, "lint", "Make lint", ("make lint",)),
    (0.4, "build", "Make build", ("make build",)),
    (1.5, "net", "HTTP request",
     ("curl -s localhost:{port}/health", "curl -s http://localhost:{port}/api/v1/{svc} | jq .",
      "curl -fsSL https://example.com/install.sh -o /tmp/install.sh")),
    (0.5, "default", "Restart service",
     ("sudo systemctl restart nginx", "sudo systemctl status postgresql --no-pager")),
    (0.2, "install", "Install system package", ("sudo apt-get install -y jq",)),
    (0.2, "install", "Update package lists", ("sudo apt-get update",)),
    (1.0, "fast", "Make directory", ("mkdir -p {dir}/fixtures", "mkdir -p tmp && touch tmp/.keep")),
    (0.6, "fast", "Append to .gitignore",
     ("echo '.env' >> .gitignore", "echo 'tmp/' >> .gitignore")),
    (0.7, "net", "Pull request",
     ("gh pr create --title \"{msg}\" --body \"$(cat <<'EOF'\n## Summary\n- {msg}\n\n"
      "## Test plan\n- [x] pytest\nEOF\n)\"",
      "gh pr view --web")),
    (0.3, "net", "CI runs", ("gh run list --limit 5",)),
    (0.5, "net", "Query database",
     ('psql -c "select count(*) from {table}"', 'psql -d app -c "\\d {table}"')),
    (0.3, "fast", "Inspect SQLite",
     ('sqlite3 app.db ".schema {table}"', 'sqlite3 app.db ".tables"')),
    (0.4, "default", "Wait for port", ("timeout 60 ./scripts/wait-for-it.sh localhost:{port}",)),
    (0.5, "fast", "Processes", ("ps aux | grep {svc}", "ps -ef | grep python | head")),
    (1.0, "fast", "Count lines", ("wc -l {file}", "wc -l {test_file} {file}")),
    (0.6, "fast", "Print lines", ("sed -n '1,80p' {file}",)),
    (0.4, "fast", "Summarise CSV", ("awk -F, '{{print $1}}' data.csv | sort | uniq -c | head",)),
    (0.4, "lint", "Format", ("npx prettier --write {file}",)),
    (1.0, "lint", "Type check TypeScript", ("npx tsc --noEmit", "npx tsc -p . --noEmit")),
    (0.3, "default", "Run node script", ("node scripts/build.js",)),
    (1.5, "default", "Run bun script",
     ("bun run dev", "bun run build", "bun run {m}:{verb}", "bun run test --watch=false")),
    (1.0, "test", "Bun test", ("bun test", "bun test {test_file}")),
    (0.5, "fast", "Run node one-liner", ("node -e \"console.log(process.version)\"",)),
    (0.5, "fast", "Run node build", ("node scripts/build.js",)),
    (0.5, "fast", "Start node server", ("node --inspect dist/server.js",)),
    (1.5, "net", "GitHub CLI PR", ("gh pr view", "gh pr checks", "gh pr diff | head -200",
                                   "gh pr create --fill")),
    (0.6, "net", "GitHub CLI API", ("gh api repos/acme/{pkg}/pulls --jq '.[].title'",)),
    (1.0, "fast", "Echo", ("echo $PATH", "echo \"done\"", "echo $DATABASE_URL")),
    (0.8, "fast", "Which", ("which python", "which node && node --version")),
    # loops, subshells, conditionals: not a program name first (about 8 % of real Bash)
    (2.6, "fast", "Loop over files",
     ("for f in {dir}/*; do wc -l \"$f\"; done",
      "for f in $(git diff --name-only); do ruff check \"$f\"; done",
      "for i in 1 2 3; do curl -s localhost:{port}/health && break; sleep 2; done")),
    (0.6, "default", "Wait until up",
     ("while ! curl -sf localhost:{port}/health; do sleep 1; done",
      "while pgrep -f {svc} > /dev/null; do sleep 1; done")),
    (0.5, "fast", "Check a file",
     ("if [ -f .env ]; then echo present; else cp .env.example .env; fi",
      "if [ -d node_modules ]; then echo ok; fi")),
    (1.0, "test", "Run tests in a subshell",
     ("(cd {dir} && pytest -q)", "(cd {cwd} && pytest -x)")),
    (0.5, "test", "Run JS tests in a subshell", ("(cd web && npm test)",)),
    (0.8, "default", "Start the dev server",
     ("PORT={port} npm run dev", "NODE_ENV=development npm run dev")),
    # routine restarts and cleanups (destructive words, harmless intent)
    (0.6, "fast", "Restart: kill the old server",
     ("kill -9 $(lsof -ti:{port})", "kill -9 {pid}", "kill -9 {pid} && sleep 1")),
    (0.5, "fast", "Clean and rebuild",
     ("rm -rf dist && npm run build", "rm -rf .pytest_cache __pycache__",
      "rm -rf build/ && make build")),
    # secrets (about 0.6 % of Bash calls)
    (0.12, "deploy", "Deploy", ("PASSWORD={pw} ./deploy.sh staging",)),
    (0.10, "fast", "Set token", ("export GITHUB_TOKEN={ghp}",)),
    (0.08, "net", "Call API",
     ("curl https://deploy:{pw}@{host}/api/releases",
      'curl -H "Authorization: Bearer {sk}" https://api.openai.com/v1/models | jq ".data[0]"')),
    (0.06, "net", "List bucket", ("AWS_SECRET_ACCESS_KEY={aws} aws s3 ls s3://acme-backups/",)),
    (0.06, "net", "Connect to database",
     ('psql postgresql://app:{pw}@{host}:5432/app -c "select 1"',)),
    (0.05, "net", "Registry login", ("docker login -u deploy -p {pw} {host}",)),
    # destructive (about 1.5 % of Bash calls)
    (0.25, "fast", "Clean build output",
     ("rm -rf build", "rm -rf node_modules dist", "rm -rf .venv && uv sync")),
    (0.12, "git_net", "Force push", ("git push --force origin {branch}", "git push -f")),
    (0.12, "git", "Reset branch", ("git reset --hard HEAD~1", "git reset --hard origin/main")),
    (0.08, "git", "Remove untracked files", ("git clean -fd",)),
    (0.08, "git", "Delete branch", ("git branch -D {branch}",)),
    (0.10, "fast", "Kill process", ("kill -9 {pid}",)),
    (0.08, "fast", "Kill processes", ("pkill -f {svc}",)),
    (0.05, "net", "Drop table", ('psql -c "DROP TABLE {table}"',)),
    (0.05, "fast", "Clear sessions", ('sqlite3 app.db "DELETE FROM sessions"',)),
    (0.05, "fast", "Fix permissions", ("chmod -R 777 .",)),
    (0.05, "docker", "Free disk space", ("docker system prune -af",)),
    (0.06, "fast", "Remove bytecode", ("find . -name '*.pyc' | xargs rm -rf",)),
    (0.03, "net", "Delete namespace", ("kubectl delete namespace {ns}",)),
)
# fmt: on


#: Pool entries that belong to a stack (by description); the others suit every project.
# fmt: off
_STACK_ENTRIES: dict[str, tuple[str, ...]] = {
    "python": ("Run tests", "Run a Python one-liner", "Run the seed script",
               "Run Python from stdin", "Run Django migrations", "Sync dependencies",
               "Add dependency", "Lint",
               "Type check", "pip install", "Make test", "Run tests in a subshell"),
    "js": ("Run JS tests", "Run npm script", "Install packages", "pnpm install", "yarn test",
           "Format", "Type check TypeScript", "Run node script", "Run bun script", "Bun test",
           "Run node one-liner", "Run node build", "Start node server",
           "Run JS tests in a subshell", "Start the dev server"),
    "rust": ("Cargo build", "Cargo test"),
    "go": ("Make test", "Make build", "Make lint"),
    "infra": ("Pods", "Pod logs", "Docker compose", "Build image", "Deploy", "Delete namespace",
              "List containers", "Free disk space"),
}
#: The long tail: programs a few sessions run once or twice (58-115 distinct programs in
#: real weeks). Each session takes a handful; the sample as a whole meets most of them.
_RARE_BASH: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (profile, desc, (command,))
    for profile, desc, command in (
        ("fast", "Who holds the port", "lsof -i :{port}"),
        ("fast", "Random secret", "openssl rand -hex 32"),
        ("fast", "Hex dump", "xxd {file} | head"),
        ("fast", "Tree", "tree -L 2 {dir}"),
        ("fast", "Disk usage", "du -sh * | sort -h"),
        ("fast", "Free disk", "df -h"),
        ("fast", "Environment", "env | grep -i database"),
        ("fast", "Date", "date -u +%Y-%m-%dT%H:%M:%SZ"),
        ("default", "Sleep", "sleep 5"),
        ("fast", "Pretty JSON", "jq . package.json"),
        ("fast", "YAML query", "yq '.services' docker-compose.yml"),
        ("fast", "Compare files", "diff -u {file} {file}.orig"),
        ("default", "Archive", "tar czf /tmp/{pkg}.tgz {dir}"),
        ("default", "Unzip", "unzip -o fixtures.zip -d {dir}"),
        ("net", "Copy to host", "scp dist/app.tgz deploy@{host}:/srv/"),
        ("net", "Remote command", "ssh deploy@{host} 'systemctl status {svc}'"),
        ("net", "Sync folder", "rsync -av {dir}/ deploy@{host}:/srv/{pkg}/"),
        ("fast", "System", "uname -a"),
        ("fast", "Who am I", "whoami"),
        ("fast", "Where am I", "pwd"),
        ("fast", "Copy file", "cp .env.example .env"),
        ("fast", "Move file", "mv {file} {file}.bak"),
        ("fast", "Touch", "touch {dir}/__init__.py"),
        ("fast", "Make executable", "chmod +x scripts/*.sh"),
        ("fast", "Link", "ln -sf ../shared/.env .env"),
        ("fast", "Encode", "echo -n deploy | base64"),
        ("fast", "Checksum", "sha256sum dist/*.tgz"),
        ("fast", "Is it listening", "nc -z localhost {port}"),
        ("net", "DNS", "dig +short {host}"),
        ("net", "Ping", "ping -c 1 {host}"),
        ("net", "Cloud", "gcloud run services list"),
        ("net", "AWS", "aws sts get-caller-identity"),
        ("net", "Azure", "az account show"),
        ("build", "Terraform plan", "terraform plan -out plan.tfplan"),
        ("deploy", "Helm upgrade", "helm upgrade --install {svc} charts/{pkg}"),
        ("net", "Redis", "redis-cli -p 6379 info keyspace"),
        ("net", "Mongo", "mongosh --eval 'db.stats()'"),
        ("net", "MySQL", "mysql -u root -e 'show databases'"),
        ("default", "Migrate", "alembic upgrade head"),
        ("lint", "Black", "black {dir}"),
        ("lint", "Isort", "isort {file}"),
        ("lint", "Flake8", "flake8 {dir}"),
        ("lint", "Pylint", "pylint {pkg}"),
        ("lint", "ESLint", "eslint src --ext .ts,.tsx"),
        ("test", "Vitest", "vitest run {test_file}"),
        ("test", "Jest", "jest --runInBand"),
        ("test", "Playwright", "playwright test --project=chromium"),
        ("default", "Deno", "deno task dev"),
        ("build", "Go build", "go build ./..."),
        ("test", "Go test", "go test ./... -run {M}"),
        ("lint", "Go fmt", "gofmt -l ."),
        ("install", "pipx", "pipx install pre-commit"),
        ("install", "conda", "conda env update -f environment.yml"),
        ("lint", "pre-commit", "pre-commit run --all-files"),
        ("fast", "Open editor", "code ."),
        ("fast", "Open browser", "open http://localhost:{port}"),
        ("fast", "Top", "top -b -n 1 | head -20"),
        ("fast", "Sort lines", "sort -u {file} | head"),
        ("fast", "Cut column", "cut -d, -f1 data.csv | head"),
        ("fast", "Translate", "tr -d '\\r' < {file} > /tmp/clean"),
        ("fast", "Stream edit", "sed -i 's/{m}/{M}/g' {file}"),
        ("fast", "Count", "sort data.csv | uniq -c | sort -rn | head"),
        ("fast", "Listen", "ss -ltnp"),
        ("install", "Brew", "brew install jq"),
        ("fast", "Git blame", "git blame -L 10,40 {file}"),
        ("git", "Git bisect", "git bisect start"),
        ("git", "Git worktree", "git worktree list"),
        ("git", "Cherry-pick", "git cherry-pick {pid}"),
        ("git", "Rebase", "git rebase -i HEAD~3"),
        ("git", "Show commit", "git show --stat HEAD"),
        ("install", "npm ci", "npm ci"),
        ("fast", "npm outdated", "npm outdated"),
        ("docker", "Docker exec", "docker exec -it {svc} sh -c 'env'"),
        ("docker", "Docker logs", "docker logs --tail 50 {svc}"),
        ("net", "Rollout", "kubectl rollout status deploy/{svc} -n {ns}"),
        ("lint", "Clippy", "cargo clippy -- -D warnings"),
        ("build", "dbt", "dbt build --select {m}"),
        ("test", "Tox", "tox -e py312"),
        ("test", "Nox", "nox -s tests"),
        ("default", "Uvicorn", "uvicorn app.main:app --reload --port {port}"),
        ("default", "Gunicorn", "gunicorn app:app -b 0.0.0.0:{port}"),
        ("default", "Celery", "celery -A {pkg} worker -l info"),
        ("default", "Ngrok", "ngrok http {port}"),
        ("fast", "Watch", "watch -n 2 'ls -la {dir}'"),
        ("default", "Xargs", "git ls-files | xargs wc -l | tail -1"),
        ("fast", "Strings", "strings {file} | grep -i {m}"),
        ("fast", "Stat", "stat {file}"),
        ("fast", "File type", "file {file}"),
    )
)
#: Shapes of a project's or a session's own commands: (profile, description, variants)
#: with {t} the command's own name. Each keeps one signature across its variants.
_OWN_COMMANDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("build", "Run make target", ("make {t}", "make {t} V=1")),
    ("default", "Run project script", ("./scripts/{t}.sh", "./scripts/{t}.sh --dry-run")),
    ("default", "Run yarn script", ("yarn {t}", "yarn {t} --verbose")),
    ("default", "Run bun script", ("bun {t}", "bun {t} --watch")),
    ("default", "Run npx tool", ("npx {t}-cli", "npx -y {t}-cli --json")),
    ("default", "Run Python script", ("python scripts/{t}.py", "python scripts/{t}.py --limit 10")),
)
# fmt: on


def _own_entry(rng: random.Random, sep: str) -> tuple[str, str, tuple[str, ...]]:
    """A command of a project's or session's own, named from words (``make reindex-cart``)."""
    profile, desc, variants = _OWN_COMMANDS[int(rng.random() * len(_OWN_COMMANDS))]
    name = f"{rng.choice(_VERBS)}{sep}{rng.choice(_NOUNS)}"
    if "{t}-cli" in variants[0]:
        name = f"{rng.choice(_NOUNS)}-{rng.choice(_VERBS)}"
    return profile, desc, tuple(v.replace("{t}", name) for v in variants)


def make_project(seed: int, index: int) -> Project:
    """Project ``index`` of the sample with seed ``seed``: same arguments, same project."""
    rng = random.Random(f"project:{seed}:{index}")
    stacks = [_pick_weighted(rng, _STACK_WEIGHTS)]
    if rng.random() < 0.3:
        second = _pick_weighted(rng, _STACK_WEIGHTS)
        if second != stacks[0]:
            stacks.append(second)
    words = rng.sample(_NOUNS, rng.randint(4, 9))
    name = f"{words[0]}-{rng.choice(_SUFFIXES)}"
    pkg = words[0].replace("-", "_")
    user = rng.choice(_USERS)
    windows = rng.random() < 0.06
    if windows:
        home = f"C:\\Users\\{user}"
        cwd = f"{home}\\source\\repos\\{name}"
    else:
        roll = rng.random()
        home = f"/Users/{user}" if roll < 0.35 else "/root" if roll < 0.45 else f"/home/{user}"
        parent = rng.choice(("src", "code", "projects", "work", "repos"))
        cwd = f"/workspace/{name}" if home == "/root" else f"{home}/{parent}/{name}"
    files: list[str] = []
    tests: list[str] = []
    dirs: list[str] = []
    for stack in stacks:
        file_forms, test_forms, stack_dirs = _STACK_FILES[stack]
        for word in words:
            values = {"pkg": pkg, "m": word, "M": word.title()}
            files.append(rng.choice(file_forms).format(**values))
            if rng.random() < 0.5:
                tests.append(rng.choice(test_forms).format(**values))
        files += rng.sample(_STACK_EXTRA_FILES[stack], 2)
        dirs += [d.format(pkg=pkg) for d in stack_dirs]
    if not tests:
        tests.append(_STACK_FILES[stacks[0]][1][0].format(pkg=pkg, m=words[0], M=words[0].title()))
    # Bash vocabulary: the generic entries and the stacks' own, each with the project's
    # own weight; a few of the project's own scripts on top.
    own = {desc for stack in stacks for desc in _STACK_ENTRIES[stack]}
    stack_specific = {desc for descs in _STACK_ENTRIES.values() for desc in descs}
    bash = [
        (weight * rng.lognormvariate(0.0, 1.0), (profile, desc, variants))
        for weight, profile, desc, variants in BASH_POOL
        if desc in own or desc not in stack_specific
    ]
    scripts = [(rng.uniform(0.5, 4.0), _own_entry(rng, "-")) for _ in range(rng.randint(1, 4))]
    servers = rng.sample(sorted(_MCP_SERVERS), rng.choice((0, 0, 1, 1, 2)))
    return Project(
        cwd=cwd,
        home=home,
        pkg=pkg,
        files=tuple(dict.fromkeys(files)),
        tests=tuple(dict.fromkeys(tests)),
        dirs=tuple(dict.fromkeys(dirs)),
        stacks=tuple(stacks),
        windows=windows,
        bash=tuple(bash),
        scripts=tuple(scripts),
        mcp=tuple(tool for server in servers for tool in _MCP_SERVERS[server]),
        keywords=tuple(words),
    )


def _pick_weighted(rng: random.Random, items: Sequence[tuple[Any, float]]) -> Any:
    total = sum(weight for _, weight in items)
    roll = rng.random() * total
    for value, weight in items:
        roll -= weight
        if roll < 0:
            return value
    return items[-1][0]


_project_cache: dict[tuple[int, int], Project] = {}


def cached_project(seed: int, index: int) -> Project:
    """A cached ``make_project`` (bounded: sessions of a project start close in time)."""
    key = (seed, index)
    project = _project_cache.get(key)
    if project is None:
        if len(_project_cache) > 512:
            _project_cache.clear()
        project = _project_cache[key] = make_project(seed, index)
    return project


_MCP_TOOLS: tuple[tuple[float, str], ...] = (
    (1.5, "mcp__github__create_pull_request"),
    (1.5, "mcp__github__get_issue"),
    (1.0, "mcp__github__list_pull_requests"),
    (1.0, "mcp__playwright__browser_navigate"),
    (1.0, "mcp__playwright__browser_snapshot"),
    (0.8, "mcp__postgres__query"),
    (0.5, "mcp__linear__create_issue"),
    (0.7, "mcp__sentry__get_issue_details"),
)
#: Share of calls per tool (percent) over all noise, as real weeks have it: Bash 28-33,
#: Read 25-28, Edit 9-19, Grep 7-14, TodoWrite 5-7, Glob 2-5, Write 2-4, Task 1-2, and
#: newer tools. Planted workflows add Bash, Read and Edit on top.
_TOOL_SHARES: dict[str, float] = {
    "Bash": 27.0,
    "Read": 24.0,
    "Edit": 14.0,
    "Grep": 7.0,
    "TodoWrite": 6.5,
    "Glob": 3.5,
    "Write": 3.0,
    "Task": 1.5,
    "MultiEdit": 0.7,
    "BashOutput": 1.2,
    "SlashCommand": 0.3,
    "TaskCreate": 0.5,
    "TaskUpdate": 0.8,
    "WebFetch": 0.7,
    "WebSearch": 0.4,
    "LS": 0.3,
    "mcp": 1.6,  # spread over the session's MCP tools
}
#: Chance that a run of one tool goes on for another call (Read, Read, Read …): the mean
#: run is 1 / (1 - p). Real sessions average about 1.5 calls per collapsed step.
RUN_CONTINUE: dict[str, float] = {
    "Bash": 0.22,
    "Read": 0.55,
    "Edit": 0.45,
    "MultiEdit": 0.2,
    "Grep": 0.3,
    "Glob": 0.25,
    "Write": 0.3,
    "Task": 0.35,
    "TodoWrite": 0.05,
    "BashOutput": 0.4,
    "TaskUpdate": 0.3,
    "TaskCreate": 0.4,
}


class Picker:
    """Weighted choice by bisecting cumulative weights (one random() per draw)."""

    def __init__(self, items: Sequence[tuple[float, Any]]) -> None:
        self.values = [value for _, value in items]
        total = 0.0
        self.cum: list[float] = []
        for weight, _ in items:
            total += weight
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cum, rng.random() * self.total)]


#: The pool's rare entries (secrets inline, then destructive commands): a session may
#: add one of each to its habits.
_INCIDENT_BASH = [(profile, desc, v) for w, profile, desc, v in BASH_POOL if w <= 0.12]
_SECRET_BASH = tuple(_INCIDENT_BASH[:6])
_DESTRUCTIVE_BASH = tuple(_INCIDENT_BASH[6:])
BASH_PICKER = Picker([(w, (profile, desc, variants)) for w, profile, desc, variants in BASH_POOL])


class Habits:
    """One session's own way of working, drawn from its project's vocabulary.

    Real sessions differ: one runs ``Bash(bun run)`` and ``Edit`` all day, another
    ``Grep`` and ``Read``; a rare script appears in one session only. So each session
    gets its own tool mix (the global shares times a heavy-tailed factor), its own few
    Bash commands (a Zipf-weighted subset of the project's, a few long-tail programs and
    sometimes a command of its own), its own files and search words, and its own taste
    for long Grep/Read alternations.
    """

    __slots__ = ("alternation", "bash", "files", "keywords", "tools")

    def __init__(self, rng: random.Random, project: Project) -> None:
        mcp = project.mcp or tuple(name for _, name in _MCP_TOOLS)
        weights: list[tuple[float, str]] = []
        for tool, share in _TOOL_SHARES.items():
            factor = rng.gammavariate(1.1, 1.0 / 1.1)  # mean 1, heavy spread
            if tool == "mcp":
                chosen = rng.sample(mcp, min(len(mcp), rng.randint(1, 3)))
                weights += [(share * factor / len(chosen), name) for name in chosen]
            else:
                weights.append((share * factor, tool))
        # A tool with mean run r takes r calls per pick: divide, so the shares hold.
        self.tools = Picker(
            [(w * (1.0 - RUN_CONTINUE.get(tool, 0.1)), tool) for w, tool in weights]
        )
        # A weighted draw without replacement: the project's usual commands come first.
        entries = sorted(project.bash, key=lambda e: rng.random() ** (1.0 / e[0]), reverse=True)
        keep = entries[: rng.randint(4, 14)]
        bash = [
            (w * rng.lognormvariate(0.0, 1.2) / (rank + 1), e) for rank, (w, e) in enumerate(keep)
        ]
        top = max(w for w, _ in bash)
        bash += [(top * rng.uniform(0.1, 0.8), e) for _, e in project.scripts if rng.random() < 0.6]
        for incidents in (_SECRET_BASH, _DESTRUCTIVE_BASH):  # the odd secret, a cleanup
            if rng.random() < 0.4:
                bash.append((top * rng.uniform(0.02, 0.1), rng.choice(incidents)))
        bash += [
            (top * rng.uniform(0.03, 0.15), rng.choice(_RARE_BASH))
            for _ in range(rng.randint(0, 3))
        ]
        if rng.random() < 0.35:  # a command of this session only
            bash.append((top * rng.uniform(0.1, 0.5), _own_entry(rng, "_")))
        self.bash = Picker(bash)
        pool = project.files + project.tests
        self.files = tuple(rng.sample(pool, min(len(pool), rng.randint(2, 7))))
        self.keywords = tuple(rng.sample(_KEYWORDS, 3)) + tuple(rng.sample(project.keywords, 2))
        self.alternation = rng.choice((0.0, 0.0, 0.0, 0.05, 0.1, 0.3))
