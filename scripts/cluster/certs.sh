#!/usr/bin/env bash
# The cluster's PKI with openssl: a CA, serving certificates for the API server and the kubelet, a client
# certificate per component (its user name and groups are what RBAC and the Node authorizer see), the
# service-account signing key, and a kubeconfig per client. Writes into $PKI and $CLUSTER_DIR; about a second.
set -euo pipefail
. "$(dirname "$0")/env.sh"
mkdir -p "$PKI"
cd "$PKI"

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null && chmod 600 "$1.key"; }

# sign NAME SUBJECT [EXTENSIONS]: a one-year certificate for NAME.key signed by the CA.
sign() {
  local name="$1" subject="$2" ext="${3:-}" extfile
  key "$name"
  extfile="$(mktemp)"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' "$ext" >"$extfile"
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 \
    -extfile "$extfile" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$extfile"
}

key ca
openssl req -x509 -new -key ca.key -subj "/CN=recsys-cluster-ca" -days 365 -sha256 -out ca.crt 2>/dev/null

sign apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,IP:127.0.0.1,IP:$API_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
sign kubelet-serving "/CN=$NODE_NAME" "extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
client="extendedKeyUsage=clientAuth"
sign admin "/O=system:masters/CN=recsys-admin" "$client"
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
sign kube-controller-manager "/CN=system:kube-controller-manager" "$client"
sign kube-scheduler "/CN=system:kube-scheduler" "$client"
sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
sign kube-proxy "/CN=system:kube-proxy" "$client"
sign coredns "/CN=system:coredns" "$client"
rm -f ca.srl

openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out sa.key
chmod 600 sa.key
openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null

# kubeconfig FILE USER: the API server's address, the CA and USER's certificate, embedded.
kubeconfig() {
  cat >"$1" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: recsys
    cluster:
      server: $API_URL
      certificate-authority-data: $(base64 -w0 ca.crt)
users:
  - name: $2
    user:
      client-certificate-data: $(base64 -w0 "$2.crt")
      client-key-data: $(base64 -w0 "$2.key")
contexts:
  - name: recsys
    context: { cluster: recsys, user: $2 }
current-context: recsys
KUBECONFIG
  chmod 600 "$1"
}
for user in kube-controller-manager kube-scheduler kubelet kube-proxy coredns; do kubeconfig "$user.kubeconfig" "$user"; done
kubeconfig "$KUBECONFIG_FILE" admin
