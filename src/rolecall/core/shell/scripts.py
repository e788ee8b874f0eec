"""What `rolecall init SHELL` prints: a `rolecall` function (passing everything to the program but
`use`), `rolecall_prompt`, the refresh hook on the prompt and completion, for each shell.

The secrets of a session travel from the program to the shell through a command substitution
(a pipe) and are evaluated by the shell itself: never in an argv, never in history (the function's
body is not history), and with tracing (`set -x`, fish_trace) off while they are in hand. Far from
expiry the hook starts no process: it compares ROLECALL_EXPIRES with the shell's own clock (bash's
EPOCHSECONDS or printf %(%s)T, zsh/datetime, PowerShell's DateTimeOffset). fish has no clock
builtin: there the hook runs `date +%s` (one small process per prompt, only while a profile is in use).
Text from the environment reaches the terminal with control characters replaced by `?`.
A Tab runs `__rolecall_tab`: tab.py in the interpreter that printed the script (its path and the
package root quoted in), and the program when that fails.
"""

from __future__ import annotations

from rolecall.core.domain.errors import ConfigError
from rolecall.core.shell import SHELLS
from rolecall.core.shell.tab import BOOT
from rolecall.core.text.formats import fish_quote, ps_quote, sh_quote

BASH = r"""# rolecall shell integration for bash: put `eval "$(rolecall init bash)"` in ~/.bashrc
rolecall() {
  if [ "${1-}" != use ]; then command rolecall "$@"; return; fi
  { __rolecall_x=$-; set +x; } 2>/dev/null
  __rolecall_use "${@:2}"
  { __rolecall_s=$?; case $__rolecall_x in *x*) set -x ;; esac; } 2>/dev/null
  return "$__rolecall_s"
}
__rolecall_use() {
  if [ "$#" -eq 1 ] && [ "$1" = --unset ]; then __rolecall_forget; return 0; fi
  local __rolecall_out
  __rolecall_out=$(command rolecall use --emit bash "$@") || return
  eval "$__rolecall_out"
}
__rolecall_forget() {
  local __rolecall_name
  for __rolecall_name in ${__rolecall_vars-}; do unset "$__rolecall_name"; done
  __rolecall_vars= __rolecall_region=
}
__rolecall_now() {
  if [ -n "${EPOCHSECONDS-}" ]; then __rolecall_t=$EPOCHSECONDS; else printf -v __rolecall_t '%(%s)T' -1; fi
}
__rolecall_expires() {
  case ${ROLECALL_EXPIRES-} in ''|*[!0-9]*) return 1 ;; esac
}
__rolecall_hook() {
  local __rolecall_status=$?
  if [ -n "${__rolecall_vars-}" ] && __rolecall_expires; then
    __rolecall_now
    if (( ROLECALL_EXPIRES - __rolecall_t < @LEAD@ && __rolecall_t >= ${__rolecall_retry:-0} )); then
      { __rolecall_x=$-; set +x; } 2>/dev/null
      __rolecall_refresh
      { case $__rolecall_x in *x*) set -x ;; esac; } 2>/dev/null
    fi
  fi
  return "$__rolecall_status"
}
__rolecall_refresh() {
  local __rolecall_out __rolecall_args=(use --emit bash --quietly "$ROLECALL_PROFILE")
  [ -n "${__rolecall_region-}" ] && __rolecall_args+=(--region "$__rolecall_region")
  if [ -n "${__rolecall_warned-}" ]; then
    __rolecall_out=$(command rolecall "${__rolecall_args[@]}" 2>/dev/null </dev/null)
  else
    __rolecall_out=$(command rolecall "${__rolecall_args[@]}" </dev/null)
  fi
  if [ "$?" -eq 0 ]; then eval "$__rolecall_out"; else __rolecall_retry=$(( __rolecall_t + 60 )) __rolecall_warned=1; fi
}
__rolecall_segment() {
  REPLY=
  [ -n "${ROLECALL_PROFILE-}" ] || return 1
  local __rolecall_name=${ROLECALL_PROFILE//[[:cntrl:]]/?} __rolecall_left
  if ! __rolecall_expires; then REPLY=$__rolecall_name; return 0; fi
  __rolecall_now
  __rolecall_left=$(( ROLECALL_EXPIRES - __rolecall_t ))
  if (( __rolecall_left <= 0 )); then REPLY="$__rolecall_name expired"
  elif (( __rolecall_left < @LEAD@ )); then REPLY="$__rolecall_name $(( __rolecall_left / 60 ))m expiring"
  elif (( __rolecall_left >= 3600 )); then
    printf -v REPLY '%s %dh%02dm' "$__rolecall_name" $(( __rolecall_left / 3600 )) $(( __rolecall_left % 3600 / 60 ))
  else REPLY="$__rolecall_name $(( __rolecall_left / 60 ))m"; fi
}
rolecall_prompt() {
  __rolecall_segment && printf '%s' "$REPLY"
  return 0
}
__rolecall_complete() {
  mapfile -t COMPREPLY < <(__rolecall_tab bash "${COMP_LINE:0:COMP_POINT}")
}
complete -o default -F __rolecall_complete rolecall
@TAB@
case ";${PROMPT_COMMAND[0]-};" in
  *";__rolecall_hook;"*) ;;
  *) PROMPT_COMMAND[0]="__rolecall_hook${PROMPT_COMMAND[0]:+;${PROMPT_COMMAND[0]}}" ;;
esac
"""

ZSH = r"""# rolecall shell integration for zsh: put `eval "$(rolecall init zsh)"` in ~/.zshrc (after compinit)
zmodload zsh/datetime
rolecall() {
  if [[ ${1-} != use ]]; then command rolecall "$@"; return; fi
  setopt localoptions noxtrace
  shift
  if (( $# == 1 )) && [[ $1 == --unset ]]; then __rolecall_forget; return 0; fi
  local __rolecall_out
  __rolecall_out=$(command rolecall use --emit zsh "$@") || return
  eval "$__rolecall_out"
}
__rolecall_forget() {
  local __rolecall_name
  for __rolecall_name in ${=__rolecall_vars-}; do unset "$__rolecall_name"; done
  typeset -g __rolecall_vars= __rolecall_region=
}
__rolecall_expires() {
  [[ ${ROLECALL_EXPIRES-} == <-> ]]
}
__rolecall_hook() {
  setopt localoptions noxtrace
  [[ -n ${__rolecall_vars-} ]] && __rolecall_expires || return 0
  (( ROLECALL_EXPIRES - EPOCHSECONDS < @LEAD@ && EPOCHSECONDS >= ${__rolecall_retry:-0} )) || return 0
  local __rolecall_out __rolecall_status
  local -a __rolecall_args=(use --emit zsh --quietly "$ROLECALL_PROFILE")
  [[ -n ${__rolecall_region-} ]] && __rolecall_args+=(--region "$__rolecall_region")
  if [[ -n ${__rolecall_warned-} ]]; then
    __rolecall_out=$(command rolecall "${__rolecall_args[@]}" 2>/dev/null </dev/null)
  else
    __rolecall_out=$(command rolecall "${__rolecall_args[@]}" </dev/null)
  fi
  __rolecall_status=$?
  if (( __rolecall_status == 0 )); then eval "$__rolecall_out"
  else typeset -g __rolecall_retry=$(( EPOCHSECONDS + 60 )) __rolecall_warned=1; fi
}
__rolecall_segment() {
  typeset -g REPLY=
  [[ -n ${ROLECALL_PROFILE-} ]] || return 1
  local __rolecall_name=${ROLECALL_PROFILE//[[:cntrl:]]/?} __rolecall_left
  if ! __rolecall_expires; then REPLY=$__rolecall_name; return 0; fi
  __rolecall_left=$(( ROLECALL_EXPIRES - EPOCHSECONDS ))
  if (( __rolecall_left <= 0 )); then REPLY="$__rolecall_name expired"
  elif (( __rolecall_left < @LEAD@ )); then REPLY="$__rolecall_name $(( __rolecall_left / 60 ))m expiring"
  elif (( __rolecall_left >= 3600 )); then
    printf -v REPLY '%s %dh%02dm' "$__rolecall_name" $(( __rolecall_left / 3600 )) $(( __rolecall_left % 3600 / 60 ))
  else REPLY="$__rolecall_name $(( __rolecall_left / 60 ))m"; fi
}
rolecall_prompt() {
  __rolecall_segment && print -rn -- "$REPLY"
  return 0
}
_rolecall() {
  local -a __rolecall_found
  __rolecall_found=("${(@f)$(__rolecall_tab zsh "${(@)words[1,CURRENT]}")}")
  __rolecall_found=(${__rolecall_found:#})
  (( ${#__rolecall_found} )) && compadd -Q -- "${(@q)__rolecall_found}" || _files
}
(( $+functions[compdef] )) && compdef _rolecall rolecall
@TAB@
autoload -Uz add-zsh-hook
add-zsh-hook precmd __rolecall_hook
"""

FISH = r"""# rolecall shell integration for fish: put `rolecall init fish | source` in ~/.config/fish/config.fish
function rolecall
    if test "$argv[1]" != use
        command rolecall $argv
        return
    end
    set -l fish_trace
    if test (count $argv) -eq 2 -a "$argv[2]" = --unset
        __rolecall_forget
        return 0
    end
    set -l out (command rolecall use --emit fish $argv[2..-1])
    or return
    printf '%s\n' $out | source
end
function __rolecall_forget
    for name in $__rolecall_vars
        set -e $name
    end
    set -g __rolecall_vars
    set -g __rolecall_region ''
end
function __rolecall_expires
    string match -qr '^[0-9]+$' -- "$ROLECALL_EXPIRES"
end
function __rolecall_hook --on-event fish_prompt
    set -l fish_trace
    __rolecall_expires; or return 0
    set -g __rolecall_now (command date +%s)
    set -q __rolecall_vars[1]; or return 0
    test (math "$ROLECALL_EXPIRES - $__rolecall_now") -lt @LEAD@; or return 0
    test "$__rolecall_now" -ge "$__rolecall_retry"; or return 0
    set -l args use --emit fish --quietly "$ROLECALL_PROFILE"
    test -n "$__rolecall_region"; and set -a args --region "$__rolecall_region"
    if test -n "$__rolecall_warned"
        set -f out (command rolecall $args 2>/dev/null </dev/null)
    else
        set -f out (command rolecall $args </dev/null)
    end
    if test $status -eq 0
        printf '%s\n' $out | source
    else
        set -g __rolecall_retry (math "$__rolecall_now + 60")
        set -g __rolecall_warned 1
    end
end
function rolecall_prompt
    set -q ROLECALL_PROFILE[1]; and test -n "$ROLECALL_PROFILE"; or return 0
    set -l name (string replace -ra '[[:cntrl:]]' '?' -- "$ROLECALL_PROFILE")
    if not __rolecall_expires
        printf '%s' "$name"
        return 0
    end
    set -q __rolecall_now[1]; or set -g __rolecall_now (command date +%s)
    set -l left (math "$ROLECALL_EXPIRES - $__rolecall_now")
    if test $left -le 0
        printf '%s expired' "$name"
    else if test $left -lt @LEAD@
        printf '%s %dm expiring' "$name" (math --scale=0 "$left / 60")
    else if test $left -ge 3600
        printf '%s %dh%02dm' "$name" (math --scale=0 "$left / 3600") (math --scale=0 "$left % 3600 / 60")
    else
        printf '%s %dm' "$name" (math --scale=0 "$left / 60")
    end
end
function __rolecall_complete_words
    set -l current (commandline -ct)
    __rolecall_tab fish (commandline -opc) "$current"
end
complete -c rolecall -f -a '(__rolecall_complete_words)'
@TAB@
set -q __rolecall_retry[1]; or set -g __rolecall_retry 0
"""

POWERSHELL = r"""# rolecall shell integration for PowerShell: put `rolecall init powershell | Out-String | Invoke-Expression` in $PROFILE
function global:__rolecall_program { Get-Command rolecall -CommandType Application -ErrorAction Stop | Select-Object -First 1 }
function global:rolecall {
    if ($args.Count -lt 1 -or $args[0] -ne 'use') { & (__rolecall_program) @args; return }
    $rest = @($args | Select-Object -Skip 1)
    if ($rest.Count -eq 1 -and $rest[0] -eq '--unset') { __rolecall_forget; return }
    $out = & (__rolecall_program) use --emit powershell @rest
    if ($LASTEXITCODE -ne 0) { return }
    Invoke-Expression ($out -join "`n")
}
function global:__rolecall_forget {
    foreach ($name in @($global:__rolecall_vars)) { if ($name) { Remove-Item "Env:$name" -ErrorAction SilentlyContinue } }
    $global:__rolecall_vars = @()
    $global:__rolecall_region = ''
}
function global:__rolecall_expires { [string]$Env:ROLECALL_EXPIRES -match '^[0-9]+$' }
function global:__rolecall_hook {
    if (-not $global:__rolecall_vars -or -not (__rolecall_expires)) { return }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if ([long]$Env:ROLECALL_EXPIRES - $now -ge @LEAD@ -or $now -lt $global:__rolecall_retry) { return }
    $arguments = @('use', '--emit', 'powershell', '--quietly', $Env:ROLECALL_PROFILE)
    if ($global:__rolecall_region) { $arguments += @('--region', $global:__rolecall_region) }
    $out = & (__rolecall_program) @arguments 2>$null
    if ($LASTEXITCODE -eq 0) { Invoke-Expression ($out -join "`n") }
    else { $global:__rolecall_retry = $now + 60 }
}
function global:rolecall_prompt {
    if (-not $Env:ROLECALL_PROFILE) { return '' }
    $name = $Env:ROLECALL_PROFILE -replace '\p{Cc}', '?'
    if (-not (__rolecall_expires)) { return $name }
    $left = [long]$Env:ROLECALL_EXPIRES - [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if ($left -le 0) { return "$name expired" }
    if ($left -lt @LEAD@) { return "$name $([math]::Floor($left / 60))m expiring" }
    if ($left -ge 3600) { return ('{0} {1}h{2:d2}m' -f $name, [math]::Floor($left / 3600), [math]::Floor($left % 3600 / 60)) }
    return "$name $([math]::Floor($left / 60))m"
}
if (-not $global:__rolecall_prompt_wrapped) {
    $global:__rolecall_prompt_wrapped = $true
    $global:__rolecall_retry = 0
    $global:__rolecall_user_prompt = $function:prompt
    function global:prompt { __rolecall_hook; & $global:__rolecall_user_prompt }
}
@TAB@
Register-ArgumentCompleter -Native -CommandName rolecall -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
    __rolecall_tab powershell @words $wordToComplete | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
"""

_SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH, "powershell": POWERSHELL}

# `__rolecall_tab SHELL WORDS...` prints the completions: tab.py's answer from the cache, else
# (stale cache, interpreter or module gone) the program's. @FAST@ is the quoted tab.py command.
_TAB = {
    "sh": (
        '__rolecall_tab() { @FAST@ "$@" 2>/dev/null || command rolecall __complete "$@" 2>/dev/null; }',
        '__rolecall_tab() { command rolecall __complete "$@" 2>/dev/null; }',
    ),
    "fish": (
        "function __rolecall_tab\n    @FAST@ $argv 2>/dev/null; or command rolecall __complete $argv 2>/dev/null\nend",
        "function __rolecall_tab\n    command rolecall __complete $argv 2>/dev/null\nend",
    ),
    "powershell": (
        "function global:__rolecall_tab {\n"
        "    try { $out = & @FAST@ @args 2>$null; if ($LASTEXITCODE -eq 0) { return $out } } catch { }\n"
        "    & (__rolecall_program) __complete @args 2>$null\n}",
        "function global:__rolecall_tab { & (__rolecall_program) __complete @args 2>$null }",
    ),
}


def init_script(shell: str, lead_seconds: int, fast: tuple[str, str] | None = None) -> str:
    """The integration for `shell`; the hook refreshes when fewer than `lead_seconds` are left;
    Tab asks tab.py, started by interpreter `fast[0]` from package root `fast[1]` (tab.command()),
    before the program, or only the program when `fast` is None."""
    if shell not in SHELLS:
        raise ConfigError(f"unknown shell {shell!r}; choose {', '.join(SHELLS[:-1])} or {SHELLS[-1]}")
    quote = {"fish": fish_quote, "powershell": ps_quote}.get(shell, sh_quote)
    with_fast, without = _TAB.get(shell, _TAB["sh"])
    if fast is None:
        tab = without
    else:
        interpreter, root = fast
        tab = with_fast.replace("@FAST@", f"{quote(interpreter)} -I -S -c {quote(BOOT)} {quote(root)}")
    return _SCRIPTS[shell].replace("@LEAD@", str(int(lead_seconds))).replace("@TAB@", tab)
