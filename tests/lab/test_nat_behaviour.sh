#!/usr/bin/env bash
# lab.nat_behaviour: every NAT type the lab offers really behaves as it claims.
# Measured from each site's LAN host with coturn's own RFC 5780 client
# (turnutils_natdiscovery -m -f -L HOST_IP: mapping and filtering behaviour, and
# whether it sees "No NAT!"; all sites in parallel, ~7 s), then with stunprobe.py (one socket, four server endpoints in turn) for the
# port delta, which natdiscovery does not report. Writes the measured table to
# $NATLAB_RESULTS_DIR/nat_behaviour.md (default /tmp/natlab-results/).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init labnat

# site name, requested behaviour, expected mapping, filtering, delta
# delta: 0 = same port for every destination, +1 = one higher per new destination,
# random = anything else.
EXPECT=(
  "none      none                     EIM  EIF  0"
  "full      fullcone                 EIM  EIF  0"
  "restr     restricted               EIM  ADF  0"
  "portr     portrestricted           EIM  APDF 0"
  "sym       symmetric                APDM APDF random"
  "symseq    symseq,hosts=2           APDM APDF +1"
  "cgnpr     cgnat,carrier=portrestricted EIM APDF 0"
  "cgnsym    cgnat,carrier=symmetric  APDM APDF random"
  "cgnseq    cgnat,carrier=symseq     APDM APDF +1"
)
specs=()
for row in "${EXPECT[@]}"; do
  read -r name spec _ <<<"$row"
  specs+=("$name=$spec")
done
lab_up "${specs[@]}"

# --- natdiscovery, all sites at once --------------------------------------------------
OUT=$(mktemp -d)
t0=$(now)
for row in "${EXPECT[@]}"; do
  read -r name _ <<<"$row"
  # -L: bound to the host's own address, natdiscovery can tell "No NAT!" (with the
  # wildcard address it compares the reflexive address with 0.0.0.0 and never can)
  timeout 30 "$NATLAB" exec "$name-h1" turnutils_natdiscovery -m -f -L "$(lab addr "$name-h1")" \
    -p "$STUN_PORT" "$STUN1" >"$OUT/$name.txt" 2>&1 &
done
wait
lab_log "natdiscovery on ${#EXPECT[@]} sites in parallel: $(since "$t0") s"

# --- port delta: one socket, four server endpoints, in order ----------------------------
# Run after natdiscovery: a symseq router's counter is shared by all its flows.
probe_deltas() { # HOST -> "mapped_ip deltas..." e.g. "203.0.113.16 +1 +1 +1"
  local ports=() ip="" line d out="" i
  while read -r line; do
    [ -n "$line" ] || continue
    ip=${line%:*}; ports+=("${line##*:}")
  done < <(stun_probe "$1" "$STUN1:$STUN_PORT" "$STUN1:$STUN_ALT_PORT" \
             "$STUN2:$STUN_PORT" "$STUN2:$STUN_ALT_PORT" | json_field mapped)
  [ ${#ports[@]} -eq 4 ] || { echo "? no-answer"; return; }
  for ((i = 1; i < 4; i++)); do
    d=$((ports[i] - ports[i - 1]))
    if [ "$d" -le 0 ]; then out+=" $d"; else out+=" +$d"; fi
  done
  echo "$ip$out"
}
delta_class() { # "+1 +1 +1" -> +1 ; "0 0 0" -> 0 ; else random
  case "$*" in
    "0 0 0") echo 0 ;;
    "+1 +1 +1") echo +1 ;;
    *) echo random ;;
  esac
}

TABLE="$LAB_RESULTS_DIR/nat_behaviour.md"
{
  echo "| site | requested | mapping | filtering | \"No NAT!\" | reflexive address (natdiscovery) | port deltas (4 destinations, 1 socket) | as claimed |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$TABLE"

for row in "${EXPECT[@]}"; do
  read -r name spec want_map want_filt want_delta <<<"$row"
  f=$OUT/$name.txt
  map=$(natdiscovery_verdict "$f" Mapping)
  filt=$(natdiscovery_verdict "$f" Filtering)
  refl=$(grep -m1 'UDP reflexive addr' "$f" | sed 's/.*addr: *//')
  if grep -q 'No NAT!' "$f"; then nonat=yes; else nonat=no; fi
  read -r pip deltas <<<"$(probe_deltas "$name-h1")"
  # shellcheck disable=SC2086 # deltas: three words
  dclass=$(delta_class $deltas)

  # the address the outside sees: the host itself for none, else the site's public one
  if [ "$spec" = none ]; then want_ip=$(lab addr "$name-h1"); else want_ip=$(lab addr "$name"); fi

  ok=yes
  check_eq "$name ($spec): mapping" "$map" "$want_map"
  [ "$map" = "$want_map" ] || ok=no
  check_eq "$name ($spec): filtering" "$filt" "$want_filt"
  [ "$filt" = "$want_filt" ] || ok=no
  if [ "$spec" = none ]; then want_nonat=yes; else want_nonat=no; fi
  check_eq "$name ($spec): natdiscovery says \"No NAT!\"" "$nonat" "$want_nonat"
  [ "$nonat" = "$want_nonat" ] || ok=no
  check_eq "$name ($spec): reflexive address is the site's public one" "${refl%:*}" "$want_ip"
  [ "${refl%:*}" = "$want_ip" ] || ok=no
  check_eq "$name ($spec): mapped address by stunprobe" "$pip" "$want_ip"
  check_eq "$name ($spec): port delta class (deltas:$deltas)" "$dclass" "$want_delta"
  [ "$dclass" = "$want_delta" ] || ok=no
  if [ "$ok" = no ]; then sed 's/^/#   /' "$f" | tail -n 25; fi
  echo "| $name | $spec | $map | $filt | $nonat | $refl | ${deltas:-?} | $ok |" >>"$TABLE"
done

# symseq's counter is router-wide: a second host's next mapping continues the sequence.
last=$(stun_probe symseq-h1 "$STUN1:$STUN_PORT" | json_field mapped)
next=$(stun_probe symseq-h2 "$STUN1:$STUN_PORT" | json_field mapped)
check_eq "symseq: another host's next mapping is the next port (${last##*:} -> ${next##*:})" \
  "$((${next##*:} - ${last##*:}))" 1
lab_log "measured table ($TABLE):"
sed 's/^/#   /' "$TABLE"
rm -rf "$OUT"
