//go:build !unix

package main

func setUmask(int) func() { return func() {} }
