# The local stand-ins for node:<version>-bookworm-slim on a machine with no image registry; scripts/images/base.sh
# builds both from a debootstrapped Debian root filesystem and Node from the npm registry.
ARG ROOTFS=recsys.local/bookworm-minbase:unset

# What images run on: Debian minbase (stripped) + the node binary.
FROM ${ROOTFS} AS node
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8
COPY node/bin/node /usr/local/bin/node
CMD ["node"]

# Build stages only, never the base of an image that ships: Node's headers (native addons compile against them, as
# no headers can be downloaded here), npm, and this machine's CA bundle, which its TLS proxy to the registries needs.
FROM node AS node-build
COPY node/include /usr/local/include
COPY npm /usr/local/lib/node_modules/npm
COPY build-ca.crt /usr/local/share/recsys/build-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV NPM_CONFIG_NODEDIR=/usr/local \
    NPM_CONFIG_CAFILE=/usr/local/share/recsys/build-ca.crt \
    NODE_EXTRA_CA_CERTS=/usr/local/share/recsys/build-ca.crt \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
