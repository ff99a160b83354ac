# Cluster targets (included from the Makefile). CLUSTER=local (default): the single-node Kubernetes that
# `make cluster-up` runs on this machine (root; built from the Go module proxy and Debian, no registry needed).
# CLUSTER=kind: a kind cluster in Docker, for machines with Docker and internet.
CLUSTER ?= local
KIND_CLUSTER ?= recsys
NAMESPACE ?= recsys
RELEASE ?= recsys
IMAGE_TAG ?= 0.1.0
IMAGE_PREFIX ?= ghcr.io/recsys-dev
HELM ?= $(shell ls $$HOME/.cache/recsys/kube/*/bin/helm 2>/dev/null | tail -1 || command -v helm)
CHART := charts/recsys
CLUSTER_ENV := RECSYS_CLUSTER_DIR=$(abspath $(VAR))/cluster NAMESPACE=$(NAMESPACE) RELEASE=$(RELEASE) \
	IMAGE_PREFIX=$(IMAGE_PREFIX) IMAGE_TAG=$(IMAGE_TAG) ML100K=$(abspath $(ML100K))

.PHONY: cluster-up cluster-down images deploy kind-up kind-down helm-lint chart-sync

## cluster-up: a real single-node Kubernetes here (kubeconfig: var/cluster/kubeconfig), or kind with CLUSTER=kind
cluster-up:
ifeq ($(CLUSTER),kind)
	@$(MAKE) --no-print-directory kind-up
else
	@$(CLUSTER_ENV) scripts/cluster/up.sh
endif

## cluster-down: stops everything cluster-up started and removes what it made (processes, mounts, chains, bridges, data)
cluster-down:
ifeq ($(CLUSTER),kind)
	@$(MAKE) --no-print-directory kind-down
else
	@$(CLUSTER_ENV) scripts/cluster/down.sh
endif

## images: the trainer, serving, operator, event-stream and site images (here: on a local Debian + Node base, no registry needed)
images:
ifeq ($(CLUSTER),kind)
	docker build -f docker/Dockerfile --target trainer -t $(IMAGE_PREFIX)/trainer:$(IMAGE_TAG) .
	docker build -f docker/Dockerfile --target serving -t $(IMAGE_PREFIX)/serving:$(IMAGE_TAG) .
	docker build -f docker/Dockerfile --target operator -t $(IMAGE_PREFIX)/operator:$(IMAGE_TAG) .
	docker build -f docker/Dockerfile --target events -t $(IMAGE_PREFIX)/events:$(IMAGE_TAG) .
	docker build -f frontend-astro/Dockerfile -t $(IMAGE_PREFIX)/frontend:$(IMAGE_TAG) .
	for image in trainer serving operator events frontend; do kind load docker-image $(IMAGE_PREFIX)/$$image:$(IMAGE_TAG) --name $(KIND_CLUSTER); done
else
	@$(CLUSTER_ENV) scripts/images/build.sh
endif

## deploy: images, the chart (CRD, operator, RBAC, volume) and examples/recmodel.yaml: the operator trains and serves
deploy:
ifeq ($(CLUSTER),kind)
	@$(MAKE) --no-print-directory images CLUSTER=kind
	$(HELM) upgrade --install $(RELEASE) $(CHART) --namespace $(NAMESPACE) --create-namespace --wait
	kubectl --namespace $(NAMESPACE) apply -f examples/recmodel.yaml
else
	@$(CLUSTER_ENV) scripts/cluster/deploy.sh
endif

## kind-up: a local Kubernetes cluster in Docker (kind-config.yaml)
kind-up:
	@command -v kind >/dev/null || { echo "kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/"; exit 1; }
	kind get clusters | grep -qx $(KIND_CLUSTER) || kind create cluster --config kind-config.yaml --name $(KIND_CLUSTER)

kind-down:
	kind delete cluster --name $(KIND_CLUSTER)

## helm-lint: lint the chart with every optional part on
helm-lint: chart-sync
	$(HELM) lint --strict $(CHART)
	$(HELM) lint --strict $(CHART) --set mlflow.enabled=true --set recModel.enabled=true \
		--set monitoring.serviceMonitor.enabled=true --set monitoring.prometheusRule.enabled=true

## chart-sync: copy the generated CRD, alert rules and dashboards into the chart (Helm reads nothing outside it)
chart-sync:
	cp crds/recmodel.yaml $(CHART)/crds/recmodel.yaml
	cp monitoring/recsys-alerts.rules.yml $(CHART)/files/recsys-alerts.rules.yml
	rm -f $(CHART)/files/dashboards/*.json && cp dashboards/*.json $(CHART)/files/dashboards/
