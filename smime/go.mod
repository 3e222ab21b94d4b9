module github.com/mailwright/mailwright/smime

go 1.26
