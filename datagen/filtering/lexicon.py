"""Words and spellings that only one variety uses: the lexical half of the variety filter's cues.

A term is a word or phrase, matched whole and case-insensitively with the plural of its last word (``trem``,
``trens``; ``caminhão``, ``caminhões``), or a regular expression where it holds ``(`` (verb forms, words
that need a context). A pt-BR term must be one pt-PT does not use in that sense, so these are not cues:
``grama`` (gramas), ``calçada`` (calçada portuguesa), ``site``, ``legal`` (o prazo legal), ``arquivo``
(Arquivo Nacional), ``academia``, ``fila``, ``menino``, ``baixar`` (baixar o preço), ``sanduíche`` (a
sanduíche: only the masculine is pt-BR), ``presunto`` (presunto de Chaves), ``cachorro-quente``, ``bermudas``,
``jeans``, ``vitrine``, ``liquidação``, ``resfriado`` (frango resfriado), ``atenciosamente``, ``espectador``
(AO90 keeps it beside ``espetador``), and ``senha`` (tirar senha) and ``configurações`` outside a password
or a settings menu. A pt-PT term must be one pt-BR does not use, so these are not cues either: ``metro``
(metros), ``debaixo``, ``elétrico`` (carro elétrico) outside ``o elétrico``, ``câmara municipal`` (a city
council in Brazil), ``centro comercial``, ``puto`` (pt-BR: angry), ``ama`` (she loves), ``fino``,
``constipação`` (pt-BR: constipation), ``reformados`` (pt-BR: renovated), ``ginásio``, and ``avançado``
outside a team's forward ("o avançado do Benfica").
"""

# (pt-BR, pt-PT): one thing, one word in each variety.
PAIRS: list[tuple[str, str]] = [
    # Transport and the street
    ("ônibus", "autocarro"),
    ("trem", "comboio"),
    ("bonde", r"(?:o|um|do|no|pelo|de) elétrico"),
    ("caminhão", "camião"),
    ("caminhonete", "carrinha"),
    ("carona", "boleia"),
    ("pedágio", "portagem"),
    ("rodovia", "autoestrada"),
    ("rodoviária", "central de camionagem"),
    ("ponto de ônibus", "paragem"),
    ("faixa de pedestres", "passadeira"),
    ("pedestre", "peão"),
    ("carteira de motorista", "carta de condução"),
    ("porta-malas", "bagageira"),
    ("acostamento", "berma"),
    ("rotatória", "rotunda"),
    ("lombada", "lomba"),
    ("aeromoça", "hospedeira de bordo"),
    ("comissário de bordo", "assistente de bordo"),
    ("bilheteria", "bilheteira"),
    ("patinete", "trotinete"),
    # Catching a ride: the vehicles both varieties name alike ("ônibus"/"autocarro" are cues of their own).
    (
        r"pe(?:gar|gou|guei|ga|gue|gamos|garam|gando) (?:o|um) (?:táxi|avião|elevador|voo|barco|uber)",
        r"apanh(?:ar|ou|ei|a|e|ámos|aram|ando) (?:o|um) (?:táxi|avião|elevador|voo|barco|uber)",
    ),
    (
        r"dirig(?:ir|ia|iu|indo|e|i|o|imos) (?:o |um |meu |seu )?(?:carro|caminhão|táxi|moto)",
        r"conduz(?:ir|ia|iu|indo|o|e|imos) (?:o |um |meu |seu )?(?:carro|camião|táxi|mota)",
    ),
    ("Defesa Civil", "Proteção Civil"),
    ("placa do carro", "matrícula do carro"),
    # The home
    ("geladeira", "frigorífico"),
    ("banheiro", "casa de banho"),
    (r"(?:a|na|da|uma) privada", "sanita"),  # the noun, not "mensagem privada"
    ("descarga do vaso", "autoclismo"),
    ("porão", "cave"),
    ("varal", "estendal"),
    ("edredom", "edredão"),
    ("grampeador", "agrafador"),
    ("durex", "fita-cola"),
    ("lixeira", "caixote do lixo"),
    ("mamadeira", "biberão"),
    ("xampu", "champô"),
    ("liquidificador", "liquidificadora"),
    ("aquecedor a gás", "esquentador"),
    ("pia da cozinha", "lava-loiça"),
    ("carpete", "alcatifa"),
    ("band-aid", "penso rápido"),
    ("passar roupa", "passar a ferro"),
    # Food and drink
    ("café da manhã", "pequeno-almoço"),
    ("sorvete", r"(?:um|uns|o|os|do|dos) gelados?"),
    ("sorveteria", "geladaria"),
    ("suco", "sumo"),
    ("xícara", "chávena"),
    ("açougue", "talho"),
    ("cardápio", "ementa"),
    ("garçom", "empregado de mesa"),
    ("garçonete", "empregada de mesa"),
    ("lanchonete", "snack-bar"),
    ("abacaxi", "ananás"),
    ("creme de leite", "natas"),
    ("chope", r"(?:uma|duas|três|umas) imperia(?:l|is)"),
    ("cafezinho", "bica"),
    ("misto-quente", "tosta mista"),
    ("picolé", "gelado de pau"),
    ("mamão", "papaia"),
    ("alho-poró", "alho-francês"),
    ("vagem", "feijão-verde"),
    ("brócolis", "brócolos"),
    ("pimentão", "pimento"),
    ("açúcar mascavo", "açúcar mascavado"),
    ("carne moída", "carne picada"),
    (r"geleias?(?! real)", "compota"),
    (r"esfri(?:ar|e|a|ou|ando|ado|ada)", r"arrefe(?:cer|ça|ce|ceu|cido|cida|cendo)"),
    ("chiclete", "pastilha elástica"),
    ("bala de goma", "gomas"),
    (r"(?:em|no|ao) fogo (?:baixo|brando|médio|alto)", r"(?:em|no|ao) lume (?:baixo|brando|médio|forte)"),
    (r"(?:um|o|do|no|esse|este|seu) sanduíche", "sandes"),
    # Clothes
    ("terno", r"(?:um|o|de) fato (?:escuro|preto|cinzento|azul|completo|e gravata|de cerimónia)"),
    ("camiseta", "t-shirt"),
    ("moletom", "fato de treino"),
    ("maiô", "fato de banho"),
    ("sunga", "calções de banho"),
    (r"(?:a|uma|sua|da|na|de) calça(?: jeans)?", "calças de ganga"),
    # People
    ("moça", "rapariga"),
    ("garoto", "miúdo"),
    ("garota", "miúda"),
    ("galera", "malta"),
    ("mamãe", "mamã"),
    ("papai", "papá"),
    ("encanador", "canalizador"),
    ("posto de gasolina", "bomba de gasolina"),
    ("torcedor", "adepto"),
    ("torcida", "claque"),
    ("goleiro", "guarda-redes"),
    ("história em quadrinhos", "banda desenhada"),
    ("histórias em quadrinhos", "bandas desenhadas"),
    # Sport
    # "time" is English too ("import time"): only with a determiner is it the pt-BR team.
    (r"(?:o|os|um|do|dos|no|nos|ao|pelo|meu|seu|nosso|esse|este|cada|qualquer) times?", "equipa"),
    ("gol", "golo"),
    ("gramado", "relvado"),
    ("arquibancada", "bancada do estádio"),
    ("escanteio", "pontapé de canto"),
    ("Copa do Mundo", "Campeonato do Mundo"),
    ("esporte", "desporto"),
    ("esportivo", "desportivo"),
    ("esportiva", "desportiva"),
    ("esportista", "desportista"),
    ("vôlei", "vólei"),
    ("basquete", "basquetebol"),
    ("atacante", r"(?:o|um|do|pelo) avançado (?:do|da|brasileiro|português|francês|espanhol)"),
    ("artilheiro", "melhor marcador"),
    (r"(?:na|da|a|pela|última|próxima|primeira|segunda) rodada", r"(?:na|da|a|pela|última|próxima) jornada"),
    # Technology
    ("celular", "telemóvel"),
    ("tela", "ecrã"),
    ("mouse", r"(?:o|um) rato do computador"),
    ("aplicativo", "aplicação"),
    ("usuário", "utilizador"),
    ("usuária", "utilizadora"),
    # "a partilha de bens" is pt-BR law's word too: only the verb's forms.
    (
        r"compartilh(?:ar|e|a|ou|aram|ado|ada|ados|adas|amento|ando)",
        r"partilh(?:ar|e|ou|aram|ado|ada|ados|adas|ando|amos)",
    ),
    # Button labels in quotes ("Clique em "Salvar"").
    (r"(?<=[\"“])Salvar(?=[\"”])", r"(?<=[\"“])Guardar(?=[\"”])"),
    (r"(?:menu|tela|página|aba) de configurações", r"(?:menu|ecrã|página) de definições"),
    (
        r"pression(?:e|ar|ando|ou) (?:o|a|os|as) (?:botão|botões|tecla|teclas|ícone)",
        r"pr(?:ima|emir|emiu) (?:o|a|os|as) (?:botão|botões|tecla|teclas|ícone)",
    ),
    (r"(?:des)?conect(?:e|ar|ou|ando) o cabo", r"(?:des)?lig(?:ue|ar|ou|ando) o cabo"),
    ("notebook", r"(?:um|o|meu|teu|seu|novo) portátil"),
    ("planilha", "folha de cálculo"),
    ("fone de ouvido", "auscultadores"),
    ("controle remoto", "comando da televisão"),
    (r"(?:o|do|no|ao|um|sob|sem|pelo|de) controle", r"(?:o|do|no|ao|um|sob|sem|pelo|de) controlo"),
    (r"acess(?:ar|ou|aram|e|em|ando|ado|ada|amos)", r"aced(?:er|e|eu|eram|a|am|ido|endo)"),
    # Administration, money, school and health
    ("aluguel", "aluguer"),
    ("comprovante", "comprovativo"),
    ("carteira de identidade", "cartão de cidadão"),
    ("ensino médio", "ensino secundário"),
    ("pronto-socorro", r"(?:as|nas|às) urgências"),
    ("posto de saúde", "centro de saúde"),
    ("plano de saúde", "seguro de saúde"),
    ("delegacia", "esquadra"),
    ("cartório", "conservatória"),
    # Research: pt-BR "pesquisador", pt-PT "investigador" (pt-BR's "investigador" is a detective).
    ("pesquisador", "investigador"),
    ("pesquisadora", "investigadora"),
    ("pesquisa científica", "investigação científica"),
    ("hidrelétrica", "hidroelétrica"),
    ("cupom", "cupão"),
    ("coleta", "recolha"),
    ("bombeamento", "bombagem"),
    ("Câmara dos Deputados", "Assembleia da República"),
    ("conta corrente", "conta à ordem"),
    ("Imposto de Renda", "IRS"),
    (r"(?:contrato de|a) locação", "arrendamento"),
    (r"(?:o|os|pelo) transtornos? (?:causad|gerad)\w*", r"(?:o|os|pelo) incómodos? (?:causad|gerad)\w*"),
    ("talão de cheques", "livro de cheques"),
    (r"sac(?:ar|ou|ei|ando) dinheiro", r"levant(?:ar|ou|ei|ando) dinheiro"),
    ("décimo terceiro salário", "subsídio de Natal"),
    (r"d(?:ar|ou|ê|ei|á|eu) uma olhad(?:a|inha)", "vista de olhos"),
    # Place names as each variety spells them
    ("Irã", "Irão"),
    ("Teerã", "Teerão"),
    ("Vietnã", "Vietname"),
    ("Moscou", "Moscovo"),
    ("Ltda", "Lda"),
    ("por meio desta", "por este meio"),
    (r"cachorr(?:o|os|inho|inhos)(?!-)", "cão"),
    ("embaixo", "em baixo"),
    ("jogar fora", "deitar fora"),
]

# pt-BR words whose pt-PT counterpart is no single word, or one pt-BR uses too.
PT_BR_ONLY = (
    # The home and food
    "vaso sanitário", "síndico", "zelador", "faxina", "faxineira", "diarista", "sobrado", "kitnet", "quitinete",
    "babá", "creme dental", "pão francês", "salgadinho", "coxinha", "aipim", "macaxeira", "fubá", "mexerica",
    "polvilho", "calabresa", "achocolatado", "requeijão", "boteco", "botequim", "barzinho", "quitanda",
    "caldo de cana", "refri", "rosquinha", "chopp", "assadeira", "sacola plástica", "extrato de tomate",
    # Clothes and people
    "paletó", "calcinha", "suéter", "blusa de frio", "chinelo de dedo", "moleque", "molecada", "neném",
    "guri", "guria", "gurizada", "piá", "vovó", "vovô", "titia", "titio", "caipira", "camelô", "frentista",
    "office boy",
    "metrô", "vó", "prefeito", "câmera", "guichê", "calçadão", "banca de jornal", "gibi", "figurinha",
    "plugar", "barbeador", "SAMU", "carteira assinada", "rapaziada", "oxente", "uai", "tchê", "pô", "putz", "Pix",
    r"bot(?:ar|ou|ei|ando|aram)", r"bat(?:er|eu|i) (?:uma )?fotos?",
    # Sport, the street, technology
    "zagueiro", "golaço", "placar", "academia de ginástica", "baldeação",
    "ciclofaixa", "quebra-molas", "sinaleiro", "cadastro", "mídia", "mídias sociais", "bater papo",
    r"delet(?:ar|e|ou|aram|ando|ado|ada)", r"cadastr(?:ar|e|ou|aram|ado|ada|ados|ando)",
    r"salv(?:ar|e|ou|ando) (?:o|os|as|a|seu|seus|suas|sua) (?:arquivo|documento|alterações|arquivos|trabalho)",
    # Administration, money, school, health
    "cheque especial", "carteira de trabalho", "boleto", "nota fiscal", "CPF", "CNPJ", "RG", "CEP", "INSS",
    "FGTS", "SUS", "IBGE", "Detran", "Enem", "vestibular", "IPTU", "IPVA", "ICMS", "Receita Federal",
    "Polícia Militar", "Polícia Federal", "boletim de ocorrência", "ensino fundamental", "reajuste",
    "agendamento", "prezado", "prezada", "prezados", "de plantão", "aposentadoria", "no aguardo",
    "metroviário",
    r"(?:o|um|o novo|do|pelo) governador(?! do Banco| civil)", "deputado estadual", "deputada estadual",
    "Senado Federal", "STF", r"bancos? de dados", r"contas? de (?:luz|água)", "pane", "botijão", "bicicletário",
    "processo seletivo", "garupa", r"(?:na|da|sobre a|em cima da) pia", "CPI", "PEC", "Procon", "Anvisa",
    "prefeitura", r"aposentad(?:o|a|os|as)",
    r"parcel(?:ado|ada|ados|adas|amento)", r"(?:um|o|do) xerox", "gostoso", "gostosa", "frigobar", "self-service",
    r"(?:alter|redefin|digit|troc|esquec|cri)\w* (?:a |sua |uma )?(?:nova )?senha", "equipe",
    r"mant\w+ (?:o botão |a tecla )?pressionad[oa]", r"nota (?:10|dez|mil)", r"(?:vc|vcs)", r"k{3,}", r"(?:rs){2,}",
    # Colloquial and everyday
    "xingar", "bagunça", "grana", "fofoca", "zoeira", "cafona", "brega", "treco", "cochilo", "cutucar",
    "paquerar", "bacana", "topa", "cadê", "à beça", "show de bola", "que legal", "muito legal", "valeu pelo",
    "estresse", "estressado", "estressada", "marrom", "gerenciamento", "treinamento", "conscientização",
    r"chec(?:ar|ou|ando|aram)", r"gerenci(?:ar|a|ou|am|ado|ada|ando)", r"parabeniz(?:ar|o|a|ou|amos|aram|ando)",
    r"conscientiz(?:ar|a|ou|ando)", r"(?:xing|zo|fofoc|estress|bagunç|cochil)(?:ou|aram|ando)",
    r"planej(?:ar|a|o|am|ou|aram|ando|ado|ada|ados|adas|amento|amos|e)",
    r"(?:fico|fica|ficou|tô|tá|estou|está|que) (?:uma )?saudade",
)  # fmt: skip

# pt-PT words whose pt-BR counterpart is no single word, or one pt-PT uses too.
PT_PT_ONLY = (
    "ficheiro", "miúdos", "multibanco", "parque de estacionamento", "tacho", "alguidar", "INEM", "SNS", "CTT",
    "bué", "porreiro", "fixe", "gajo", "gaja", "rebuçado", "tosta", "imperiais", "fiambre",
    "prego no pão", "sapatilhas", "calções", "camisola", "blusão", "quarto de banho", "loiça", "borbulha",
    "penso higiénico", "penálti", "montra", "marcação", "palavra-passe", "cêntimos", "autarquia",
    "freguesia", "concelho", "autarca", "senhorio", "bilha de gás", r"avaria(?:d[oa]s?|ou)", "GNR", "PSP", "IPMA",
    "Polícia Judiciária", "IMI", "MB Way",
    "selecionador", "baixa médica", r"(?:as|nas|das|às) Finanças", r"(?:a|uma|de|na) mota", r"(?:epá|ó pá|oh pá)",
    r"(?:muito|tão|super|bem) gir[oa]s?", r"análises ao sangue|(?:fazer|fiz|fez) umas análises",
    "segurança social", "NIF", "IVA", "encarregado de educação", "encarregados de educação",
    "connosco", "convosco", "se calhar", "de certeza", "com os melhores cumprimentos", "alinhas", "apetece",
    "despedimento", "subsídio de férias", "lavar os dentes", "mil milhões", "bilião", "rés-do-chão", "tensão arterial",
    r"(?:ir|vou|vai|vamos|vais|fui|foi) ter com",
    r"(?:introduza|descarregue|contacte|contactar|prima a tecla|premir|premido|premida)",
    r"plane(?:ar|ado|ada|ados|adas|amento|ou|aram|io)",
)  # fmt: skip

# Spellings: pt-BR keeps consonants pt-PT dropped with AO90 and drops ones pt-PT keeps (it says them).
PT_BR_SPELLINGS = (
    "de fato", "o fato de", "contato", r"contat(?:ar|e|ou|ando)", "recepção", "recepcionista", "percepção",
    "concepção", "decepção", r"decepcionad(?:o|a|os|as)", "infecção", "seção", "aspecto", "registro",
    r"registr(?:ar|ou|aram|ado|ada|ados|adas|amos|e|am)", "úmido", "úmida", "umidade", "conosco",
    "dezesseis", "dezessete", "dezenove", "quatorze", "bilhão",
    # Spellings pt-BR had before AO90 and pt-PT never: the trema (freqüente) and -éia (idéia), vôo, enjôo.
    r"\w*(?:gü|qü)[eiéí]\w*", r"\w+éias?", "vôo", "enjôo",
    r"preaque[cç]\w*",
)  # fmt: skip
# Spellings pt-PT alone has: AO90's (facto, receção) and those from before it (acção, óptimo).
PT_PT_SPELLINGS = (
    "facto", "contacto", "receção", "rececionista", "perceção", "conceção", "deceção", "infeção", "secção",
    "aspeto", "espetador", "perspetiva", "caraterística", "húmido", "húmida", "humidade", "stress", "stressado",
    "óptimo", "óptima", "acção", "direcção", "actual", "actualmente", "objecto", "projecto", "director",
    "colecção", "selecção", "eléctrico", "arquitecto", "bebé", "puré", "comité", "caraté", "croché", "cliché",
    "matiné", "guiché", "dezasseis", "dezassete", "dezanove", r"pré-aque[cç]\w*",
    r"regist(?:ar|ado|ada|ados|adas|ou|aram|ámos|o|os|e)",
)  # fmt: skip
