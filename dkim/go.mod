module github.com/mailwright/mailwright/dkim

go 1.26
