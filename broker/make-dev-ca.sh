#!/bin/sh
# Make a development certificate authority and a server certificate for the
# secure development broker. Never use these files in production: the CA key
# sits next to the certificates, unprotected.
#
# Usage: broker/make-dev-ca.sh OUT_DIR [DNS_NAME_OR_IP ...]
# Writes OUT_DIR/ca.crt, ca.key, server.crt, server.key. The server
# certificate is valid for localhost, 127.0.0.1 and every name given.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 OUT_DIR [DNS_NAME_OR_IP ...]" >&2
    exit 2
fi
out=$1
shift
command -v openssl >/dev/null 2>&1 || {
    echo "openssl not found: install it with 'sudo apt-get install openssl'" >&2
    exit 1
}
mkdir -p "$out"

san="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do
    case $name in
        *[!0-9.]*) san="$san,DNS:$name" ;;
        *) san="$san,IP:$name" ;;
    esac
done

# P-256 keys: quick to generate and supported by MicroPython's mbedTLS on the ESP32.
openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca.key"
openssl req -x509 -new -key "$out/ca.key" -sha256 -days 825 \
    -subj "/O=Ampera Panic development/CN=Ampera development CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/ca.crt" 2>/dev/null

openssl ecparam -name prime256v1 -genkey -noout -out "$out/server.key"
openssl req -new -key "$out/server.key" -subj "/O=Ampera Panic development/CN=localhost" \
    -out "$out/server.csr" 2>/dev/null
ext="$out/server.ext"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
    "$san" >"$ext"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -CAcreateserial -days 825 -sha256 -extfile "$ext" -out "$out/server.crt" 2>/dev/null
rm -f "$out/server.csr" "$ext" "$out/ca.srl"
# Mosquitto reads the key after it switches to its own user.
chmod 644 "$out/server.key"
echo "development CA and server certificate written to $out"
