from jiefen.cli import main

main()
