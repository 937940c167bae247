# Prints the candidates zsh's completion system offers for a command line,
# one per line, using the _dance script in COMPLETION_DIR:
#   zsh -f zsh-completion-capture.zsh COMPLETION_DIR 'dance tlsa --us'
# It runs an interactive zsh in a pseudo-terminal, replaces compadd with a
# function that prints each candidate before adding it, and types the
# line followed by a Tab.
zmodload zsh/zpty || exit 1
completion_dir=$1 line=$2

zpty -b shell zsh -f -i
zpty -w shell "PS1=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w shell "fpath=($completion_dir \$fpath); autoload -U compinit; compinit -u -D"
# The marker is split in the source, so the shell's echo of this
# definition does not contain it.
zpty -w shell 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a candidates; builtin compadd -A candidates "$@"
  (( $#candidates )) && print -rl -- "<cand""idate>"${^candidates} >/dev/tty
  builtin compadd -Q --
}'
zpty -w shell "zstyle ':completion:*' menu no; print -r -- '<ready>'"
zpty -r shell output '*<ready>*'

zpty -n -w shell "$line"$'\t'
sleep 1
output=
while zpty -r -t shell chunk; do output+=$chunk; done
zpty -d shell

print -r -- "$output" | tr -d '\r' | grep -a -o '<candidate>[^[:cntrl:]]*' |
    sed 's/<candidate>//' | sort -u
