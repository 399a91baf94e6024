"""The words ``command_risk`` knows: shell syntax, wrappers, and which programs (and
sub-commands) delete, write, or use the network. Plain data, kept apart from the logic."""

from __future__ import annotations

REDIRECTS = {">", ">>", ">|", "&>", "&>>", ">&", "<>", "<", "<<", "<<<", "<&", "<<-"}
KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{", "}", "!"}
KEYWORDS |= {"case", "esac", "time", "function"}
SHELLS = {"bash", "sh", "zsh", "dash", "ksh", "ash", "fish", "su"}
# Wrappers run the rest of the line; the value is their options that take an argument.
WRAPPERS: dict[str, set[str]] = {
    "sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-U"},
    "doas": {"-u", "-C"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir"},
    "nice": {"-n", "--adjustment"},
    "ionice": {"-c", "-n", "-p"},
    "nohup": set(),
    "command": set(),
    "builtin": set(),
    "exec": {"-a"},
    "stdbuf": {"-i", "-o", "-e"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "xargs": {"-I", "-n", "-P", "-L", "-s", "-d", "-E", "-a"},
    "watch": {"-n", "-d"},
    "unbuffer": set(),
    "chronic": set(),
}
NETWORK_TOOLS = {"curl", "wget", "ssh", "scp", "sftp", "nc", "ncat", "netcat", "telnet", "ftp"}
NETWORK_TOOLS |= {"socat", "http", "https", "xh", "aria2c", "ping", "dig", "nslookup", "whois"}
NETWORK_TOOLS |= {"traceroute", "gh", "hub", "npx", "pnpx", "bunx", "pipx", "twine", "gsutil"}
NETWORK_TOOLS |= {"aws", "gcloud", "az", "kubectl", "heroku", "docker", "podman", "apt"}
NETWORK_TOOLS |= {"apt-get", "dnf", "yum", "apk", "pacman", "zypper", "brew", "snap", "flatpak"}
# Package managers: the sub-commands that download.
FETCHING = {
    "pip": {"install", "download", "wheel", "index"},
    "uv": {"add", "sync", "lock", "pip", "tool", "python", "run"},
    "poetry": {"install", "add", "update", "lock", "publish"},
    "conda": {"install", "create", "update"},
    "mamba": {"install", "create", "update"},
    "npm": {"install", "i", "ci", "add", "update", "upgrade", "publish", "exec", "x", "create"},
    "pnpm": {"install", "i", "add", "update", "dlx", "create"},
    "yarn": {"", "install", "add", "upgrade", "dlx", "create", "publish"},
    "bun": {"install", "i", "add", "x", "create"},
    "cargo": {"install", "add", "update", "fetch", "publish", "search"},
    "go": {"get", "install", "mod"},
    "gem": {"install", "update", "fetch"},
    "bundle": {"", "install", "update"},
    "composer": {"install", "require", "update"},
}
GIT_NETWORK = {"push", "pull", "fetch", "clone", "ls-remote", "send-email", "request-pull"}
GIT_READ = {"status", "diff", "log", "show", "blame", "annotate", "grep", "ls-files", "ls-tree"}
GIT_READ |= {"rev-parse", "rev-list", "describe", "shortlog", "cat-file", "check-ignore", "var"}
GIT_READ |= {"check-attr", "version", "help", "name-rev", "merge-base", "for-each-ref"}
GIT_READ |= {"show-ref", "count-objects", "diff-tree", "diff-files", "diff-index", "fsck"}
GIT_READ |= {"whatchanged", "format-patch", "archive", "range-diff", "verify-commit", ""}
GIT_READ |= {"ls-remote", "send-email", "request-pull"}
# Sub-commands that only read when used as listed (anything else given writes).
GIT_LISTING = {
    "branch": {"-a", "-r", "-l", "--list", "-v", "-vv", "--all", "--remotes", "--show-current"},
    "tag": {"-l", "--list", "-n"},
    "remote": {"-v", "show", "get-url", "--verbose"},
    "stash": {"list", "show"},
    "reflog": {"show"},
    "worktree": {"list"},
    "config": {"--get", "--get-all", "--get-regexp", "-l", "--list", "--show-origin"},
}
GIT_CONFIG_WRITES = {"--unset", "--unset-all", "--add", "--replace-all", "-e", "--edit"}
GIT_CONFIG_WRITES |= {"--rename-section", "--remove-section"}
# Programs whose path arguments are written: name -> how many leading arguments to skip.
WRITERS = {"touch": 0, "mkdir": 0, "rm": 0, "rmdir": 0, "unlink": 0, "shred": 0, "tee": 0}
WRITERS |= {"truncate": 0, "chmod": 1, "chown": 1, "chgrp": 1, "mv": 0, "cp": -1, "ln": -1}
WRITERS |= {"install": -1, "rsync": -1, "sed": 1, "perl": 1}  # -1: only the last (destination)
SAFE_ABSOLUTE: tuple[str, ...] = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/fd/")
SAFE_ABSOLUTE += ("/proc/self/fd/", "/tmp/", "/var/tmp/", "/dev/tty")
