# Cluster targets (included from the Makefile): a kind cluster, the images, the chart.
KIND_CLUSTER ?= recsys
NAMESPACE ?= recsys
IMAGE_TAG ?= 0.1.0
IMAGE_PREFIX ?= ghcr.io/recsys-dev
HELM ?= $(shell ls $$HOME/.cache/recsys/kube/*/bin/helm 2>/dev/null | tail -1 || command -v helm)
CHART := charts/recsys

.PHONY: kind-up images deploy helm-lint chart-sync kind-down

## kind-up: a local Kubernetes cluster in Docker (kind-config.yaml)
kind-up:
	@command -v kind >/dev/null || { echo "kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/"; exit 1; }
	kind get clusters | grep -qx $(KIND_CLUSTER) || kind create cluster --config kind-config.yaml --name $(KIND_CLUSTER)

## images: build the four images and load them into the kind cluster
images:
	docker build -f docker/Dockerfile --target trainer -t $(IMAGE_PREFIX)/trainer:$(IMAGE_TAG) .
	docker build -f docker/Dockerfile --target serving -t $(IMAGE_PREFIX)/serving:$(IMAGE_TAG) .
	docker build -f docker/Dockerfile --target operator -t $(IMAGE_PREFIX)/operator:$(IMAGE_TAG) .
	docker build -f frontend-astro/Dockerfile -t $(IMAGE_PREFIX)/frontend:$(IMAGE_TAG) .
	for image in trainer serving operator frontend; do kind load docker-image $(IMAGE_PREFIX)/$$image:$(IMAGE_TAG) --name $(KIND_CLUSTER); done

## deploy: images, then the chart (CRD, operator, RBAC, volume) and the example RecModel
deploy: images
	$(HELM) upgrade --install recsys $(CHART) --namespace $(NAMESPACE) --create-namespace --wait
	@echo "Copy a MovieLens directory onto the artifact volume (e.g. /artifacts/data/ml-100k), then:"
	@echo "  kubectl -n $(NAMESPACE) apply -f examples/recmodel.yaml && kubectl -n $(NAMESPACE) get recmodels -w"

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

kind-down:
	kind delete cluster --name $(KIND_CLUSTER)
