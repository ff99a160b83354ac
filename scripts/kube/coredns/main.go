// Command coredns is upstream CoreDNS with only the plugins a cluster's DNS Service needs (the Corefile that
// scripts/cluster/ writes), so it builds in about a minute instead of compiling every cloud provider's SDK.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func main() {
	// Upstream's execution order (core/dnsserver/zdirectives.go), restricted to the plugins imported above.
	if err := dnsserver.SetDirectives([]string{
		"reload", "bind", "ready", "health", "errors", "log", "loadbalance", "cache", "kubernetes", "loop", "forward",
	}); err != nil {
		panic(err)
	}
	coremain.Run()
}
